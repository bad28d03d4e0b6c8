package config

// SetUserLines makes CONFIG REWRITE replace the file's "user" lines with
// the lines fn returns (the ACL users as "user <name> <rules>", or none when
// an aclfile holds them), as Redis's rewriteConfigUserOption.
func (c *Config) SetUserLines(fn func() []string) {
	c.mu.Lock()
	c.userLines = fn
	c.mu.Unlock()
}
