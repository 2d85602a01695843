package registry

import "time"

// Rules are the settings of the exemption workflow.
type Rules struct {
	MaxExemptionMonths int            // longest exemption a reviewer may grant
	ClosureDays        int            // days to close an account after a refusal or revocation
	Location           *time.Location // the calendar of dates (Asia/Tehran)
}

// DefaultRules are the regulation's defaults: twelve months, thirty days,
// Tehran time.
func DefaultRules() Rules {
	tz, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		tz = time.FixedZone("IRST", 3*3600+1800)
	}
	return Rules{MaxExemptionMonths: 12, ClosureDays: 30, Location: tz}
}

// SetRules replaces the workflow settings; cmd calls it from the config.
func (s *Store) SetRules(r Rules) {
	if r.Location == nil {
		r.Location = DefaultRules().Location
	}
	s.rules = r
}

// Rules returns the workflow settings.
func (s *Store) Rules() Rules { return s.rules }

// Day is the start of t's day in the rules' calendar.
func (s *Store) Day(t time.Time) time.Time {
	t = t.In(s.rules.Location)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.rules.Location)
}
