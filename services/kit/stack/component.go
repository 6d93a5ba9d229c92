package stack

import "slices"

// WithDefaults is a copy of c with the defaults of optional fields filled
// in, as Parse fills them; c is not changed.
func (c *Component) WithDefaults() *Component {
	cc := *c
	cc.Install = slices.Clone(c.Install)
	if cc.Release == "" {
		cc.Release = DefaultRelease
	}
	for i := range cc.Install {
		if cc.Install[i].Type == "" {
			cc.Install[i].Type = TypeFile
		}
	}
	if c.User != nil {
		u := *c.User
		if u.Group == "" {
			u.Group = u.Name
		}
		if u.Home == "" {
			u.Home = "/var/lib/" + c.Name
		}
		cc.User = &u
	}
	if c.Service != nil {
		sv := *c.Service
		if sv.Name == "" {
			sv.Name = c.Name
		}
		cc.Service = &sv
	}
	return &cc
}

// Validate checks a component built in code (Parse checks the ones it
// reads) with the same rules; errors name fields as component.<path>, and
// match ErrInvalid. Build dependencies are not checked: they need the stack.
func (c *Component) Validate() error {
	d := &decoder{at: map[string]pos{}, failed: map[string]bool{}}
	d.component("component", c.WithDefaults())
	if len(d.errs) > 0 {
		return d.errs
	}
	return nil
}
