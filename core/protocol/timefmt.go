package protocol

import (
	"strings"
	"sync"
	"time"
)

// The three OX time types (spec lines 56–70):
// Date      – ms since epoch at 00:00 UTC of the day;
// Time      – UTC ms plus the offset of the user's zone at that instant;
// Timestamp – plain UTC ms.

// ToTime converts a UTC instant (ms) into the OX "Time" representation for loc.
func ToTime(utcMillis int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC {
		return utcMillis
	}
	_, off := time.UnixMilli(utcMillis).In(loc).Zone()
	return utcMillis + int64(off)*1000
}

// FromTime converts an OX "Time" value for loc back into UTC ms.
func FromTime(t int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC {
		return t
	}
	_, off := time.UnixMilli(t).In(loc).Zone()
	guess := t - int64(off)*1000
	_, off2 := time.UnixMilli(guess).In(loc).Zone()
	return t - int64(off2)*1000
}

// ToDate truncates ms to midnight UTC.
func ToDate(ms int64) int64 {
	const day = 86400000
	d := ms / day * day
	if ms < 0 && ms%day != 0 {
		d -= day
	}
	return d
}

var locCache sync.Map

// LoadLocation returns the named zone, falling back to UTC for unknown names.
func LoadLocation(name string) *time.Location {
	loc, err := loadLocationStrict(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

func loadLocationStrict(name string) (*time.Location, error) {
	if strings.EqualFold(name, "utc") {
		return time.UTC, nil
	}
	if v, ok := locCache.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locCache.Store(name, loc)
	return loc, nil
}

// ValidTimeZone reports whether name is a zone the server can load.
func ValidTimeZone(name string) bool {
	_, err := loadLocationStrict(name)
	return err == nil && name != ""
}
