package report

// Visible makes a log-derived string safe to print on a terminal or in any
// plain-text medium: control characters, escape sequences and bidi overrides
// become visible tags (⟨ESC⟩), invalid UTF-8 becomes U+FFFD, and the result is
// capped at max runes. Every command that prints attacker-written text uses it.
func Visible(s string, max int) string { return visible(s, max) }
