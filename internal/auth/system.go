package auth

// systemUserID marks the System viewer: authenticated, but not a row in users.
const systemUserID = -1

// System is the viewer for work copydesk does on its own behalf rather than
// for a request: loading the demo data, background jobs, benchmarks. It
// holds the ADMIN role; nothing a client sends can produce it.
func System() *Viewer {
	return &Viewer{UserID: systemUserID, Name: "copydesk", Grants: []Grant{{Role: Admin}}, Scope: ScopeFull}
}

// UserRef returns the viewer's user ID for recording who did something
// (created_by, audit), or nil for anonymous and System viewers.
func (v *Viewer) UserRef() *int64 {
	if v == nil || v.UserID <= 0 {
		return nil
	}
	id := v.UserID
	return &id
}

// IsSystem reports whether v is the System viewer.
func (v *Viewer) IsSystem() bool { return v != nil && v.UserID == systemUserID }
