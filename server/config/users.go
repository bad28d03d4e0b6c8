package config

// SetUserLines makes CONFIG REWRITE replace the file's "user" lines with
// the lines fn returns (the ACL users as "user <name> <rules>", or none when
// an aclfile holds them), as Redis's rewriteConfigUserOption.
func (c *Config) SetUserLines(fn func() []string) {
	c.mu.Lock()
	c.userLines = fn
	c.mu.Unlock()
}

// ValidateUser, when set (the server sets it), checks a "user" line at load
// time as ACLAppendUserForLoading: rule syntax, with unknown commands left
// for later; earlier holds the user lines already read. An error stops the
// load with Redis's "Error in user declaration" report.
var ValidateUser func(line []string, earlier [][]string) error
