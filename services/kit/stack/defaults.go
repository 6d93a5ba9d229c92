package stack

// applyDefaults fills the optional fields that have a default.
func applyDefaults(s *Stack) {
	if s.Channel == "" {
		s.Channel = DefaultChannel
	}
	for _, c := range s.Components {
		if c == nil {
			continue
		}
		c.Dir = s.Dir
		if c.Release == "" {
			c.Release = DefaultRelease
		}
		for i := range c.Install {
			if c.Install[i].Type == "" {
				c.Install[i].Type = TypeFile
			}
		}
		if sv := c.Service; sv != nil && sv.Name == "" {
			sv.Name = c.Name
		}
	}
}

// applyLateDefaults fills defaults derived from validated fields.
func applyLateDefaults(s *Stack) {
	for _, c := range s.Components {
		if u := c.User; u != nil {
			if u.Group == "" {
				u.Group = u.Name
			}
			if u.Home == "" {
				u.Home = "/var/lib/" + c.Name
			}
		}
	}
}
