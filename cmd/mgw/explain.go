package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent"
	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain [CODE]",
		Short: "Say what an error code means and what to do about it; without CODE, list every code",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) == 0 {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				for _, c := range codes.All() {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, c.Scope, c.Message)
				}
				return tw.Flush()
			}
			c, ok := codes.Lookup(args[0])
			if !ok {
				return withCode(exitConfig, fmt.Errorf("unknown code %q: mgw explain lists them all", args[0]))
			}
			origin := "catalogue of the hosted Data Online Migration service"
			if c.MGW {
				origin = "added by mgw"
			}
			fmt.Fprintf(out, "%s (%s; %s)\n\n  %s\n\nWhat to do:\n  %s\n", c.Name, c.Scope, origin, c.Message, wrap(c.Remedy, 76, "  "))
			return nil
		},
	}
}

func wrap(s string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 && n+1+len(w) > width {
			b.WriteString("\n" + indent)
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

func newAddressCmd(g *globals) *cobra.Command {
	addr := &cobra.Command{Use: "address", Short: "Data addresses: list, verify"}
	addr.AddCommand(newAddressListCmd(g), newAddressVerifyCmd(g))
	return addr
}

// newAddressListCmd lists the addresses as the agent knows them (with its
// last checks), or as the config gives them when no agent runs.
func newAddressListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the data addresses (secrets shown as ****) with their last verification",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := readConfig(g) // lists, opens nothing: secrets may be missing
			if err != nil {
				return err
			}
			c, err := dialAgent(cfg)
			if err != nil {
				return err
			}
			var list []agent.AddressInfo
			if c != nil {
				if err := c.Call("GET", "/v1/addresses", &list); err != nil {
					return err
				}
			} else {
				for i := range cfg.Addresses {
					a := &cfg.Addresses[i]
					list = append(list, agent.AddressInfo{Name: a.Name, Type: a.Type, Side: cfg.SideOf(a.Name).String(), Where: engine.Describe(a.Connector())})
				}
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "ADDRESS\tTYPE\tUSED AS\tWHERE\tLAST CHECK\n")
			for _, a := range list {
				check := "-"
				if a.Check != nil {
					check = "OK"
					if a.Check.Code != "" {
						check = a.Check.Code
					}
					check += " at " + a.Check.At.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Name, a.Type, a.Side, a.Where, check)
			}
			return tw.Flush()
		},
	}
}

// newAddressVerifyCmd checks one address: through the running agent, which
// keeps the result, unless --as asks for a side; else here.
func newAddressVerifyCmd(g *globals) *cobra.Command {
	var timeout time.Duration
	var as string
	verify := &cobra.Command{
		Use:   "verify NAME",
		Short: "Check a data address: credentials, bucket, endpoint, path; prints OK or the catalogue code",
		Long: `Verify opens the address and checks it as a job would use it: as a
destination if some job writes to it, else as a source (--as overrides). It
prints OK, or the catalogue code with its message and the reason, and exits
0 or 1.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			a := cfg.Address(args[0])
			if a == nil {
				return withCode(exitConfig, codeError(codes.DataAddressNotExists, fmt.Sprintf("no address %q in %s", args[0], g.config)))
			}
			side := cfg.SideOf(a.Name)
			switch as {
			case "source":
				side = connectors.Source
			case "destination":
				side = connectors.Destination
			case "":
			default:
				return withCode(exitConfig, fmt.Errorf("--as %q: source or destination", as))
			}
			if c, err := dialAgent(cfg); err == nil && c != nil && as == "" {
				// The agent keeps the result for `mgw address list` and its view.
				var check agent.AddressCheck
				if err := c.Call("POST", client.AddressPath(a.Name, "verify"), &check); err != nil {
					return apiErr(err)
				}
				if check.Code == "" {
					fmt.Fprintln(cmd.OutOrStdout(), "OK")
					return nil
				}
				return withCode(exitError, codeError(check.Code, check.Message))
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			code, err := engine.VerifyAddress(ctx, a.Connector(), side)
			if code == "" {
				fmt.Fprintln(cmd.OutOrStdout(), "OK")
				return nil
			}
			return withCode(exitError, codeError(code, err.Error()))
		},
	}
	verify.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "give up after this long (CheckAddressTimeOut)")
	verify.Flags().StringVar(&as, "as", "", "check as a source or a destination (default: as the config's jobs use it)")
	return verify
}
