package compat

// Describe returns every resolved knob of jail name, in a fixed order, with
// its value and where it was set (the variable read, file:line, or default),
// for `rcjail show`. Numbered lists (exec_prestart0 …, ip_multi0 …) appear
// once per index that is set. nil when the jail is not in the Config.
func (c *Config) Describe(name string) []Setting {
	j, ok := c.Jails[name]
	if !ok {
		return nil
	}
	return append([]Setting(nil), j.Settings...)
}
