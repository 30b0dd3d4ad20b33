package applications

// ResumeAt exposes resumeAt to the external tests.
func ResumeAt(s *Service, a *Application) string { return s.resumeAt(a) }
