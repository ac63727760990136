package codes

// Text is the one form in which mgw prints a code: "CODE: message", then
// the detail in parentheses when there is one.
func Text(code, detail string) string {
	if detail == "" {
		return code + ": " + Message(code)
	}
	return code + ": " + Message(code) + " (" + detail + ")"
}

// Message is the code's message, or "" for a name that is no code.
func Message(code string) string {
	c, _ := Lookup(code)
	return c.Message
}
