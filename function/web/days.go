package web

import (
	"errors"
	"fmt"
	"time"
)

// earliest is the first birth date the form accepts: earlier ones are typos.
var earliest = time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)

// dateError is a bad date with the message the user sees.
type dateError struct{ msg string }

func (e *dateError) Error() string { return e.msg }

var errNoDate = &dateError{"Please pick your birth date."}

// DaysSince returns the number of whole days from the birth date (YYYY-MM-DD)
// to the UTC calendar date of now. Errors are *dateError values whose message
// is safe to show.
func DaysSince(date string, now time.Time) (int, error) {
	if date == "" {
		return 0, errNoDate
	}
	if len(date) != len("2006-01-02") {
		return 0, &dateError{"That is not a date. Please use the form YYYY-MM-DD."}
	}
	born, err := time.Parse(time.DateOnly, date)
	if err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			return 0, &dateError{fmt.Sprintf("%s is not a real date.", date)}
		}
		return 0, &dateError{"That is not a date. Please use the form YYYY-MM-DD."}
	}
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch {
	case born.Before(earliest):
		return 0, &dateError{fmt.Sprintf("%s is before %d. Please pick a later date.", date, earliest.Year())}
	case born.After(today):
		return 0, &dateError{fmt.Sprintf("%s is in the future. Please pick a date up to today.", date)}
	}
	return int(today.Sub(born) / (24 * time.Hour)), nil
}
