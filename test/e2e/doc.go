// Package e2e runs the mgw binary end to end, as its users do: against
// local folders, the in-process OSS test server (connectors/oss/osstest)
// and the S3 test server started by test/servers/versitygw.sh. It holds
// only tests; TestMain builds ./cmd/mgw once for all of them.
package e2e
