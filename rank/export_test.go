package rank

// SetNoHead makes p rank every request the long way (no headOf shortcut), for tests that
// compare both.
func SetNoHead(p *Pipeline, v bool) { p.noHead = v }
