package workflows

import (
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/runbooks"
)

// measureRTO ends the RTO clock when the steady state holds again after the last step.
func (r *run) measureRTO(ctx workflow.Context) {
	if !r.measured {
		r.st.RTOActual = r.lastEnd().Sub(r.st.ClockStart)
		return
	}
	at, err := r.awaitRecovery(ctx)
	if err != nil {
		r.st.State = RunFailed
		r.st.Error = "recovery not verified: " + err.Error()
		return
	}
	r.st.RecoveredAt = at
	r.st.RTOActual = at.Sub(r.st.ClockStart)
}

// measureRPO reads the newest canary marker the recovered store holds (the runbook's
// objectives.rpo_marker) and measures the data-loss window up to the outage start.
func (r *run) measureRPO() {
	r.st.RPOTarget = r.rb.Objectives.RPO.Std()
	src := r.rb.Objectives.RPOMarker
	if src == "" || r.in.Mode == ModeTabletop {
		return
	}
	v, err := runbooks.Expand(src, r.scope())
	if err != nil {
		r.st.RPOError = redactString("rpo_marker: "+err.Error(), r.secrets)
		return
	}
	at, err := markerTime(v)
	if err == nil && at.Year() < 2000 {
		err = fmt.Errorf("the recovered store holds no marker (%s)", at.Format(time.RFC3339))
	}
	if err != nil {
		r.st.RPOError = fmt.Sprintf("rpo_marker: %v", err)
		return
	}
	r.st.RPOMarkerAt = at
	if loss := r.st.ClockStart.Sub(at); loss > 0 {
		r.st.RPOActual = loss
	}
}

// markerTime reads a marker's time: RFC 3339 text, or Unix seconds or milliseconds.
func markerTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		if x == "" { // a marker kind's answer when the recovered store holds none
			return time.Time{}, fmt.Errorf("no marker was read (the recovered store holds none, or the step returned nothing)")
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t, nil
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return unixTime(f), nil
		}
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", x)
	case float64:
		return unixTime(x), nil
	case int:
		return unixTime(float64(x)), nil
	case int64:
		return unixTime(float64(x)), nil
	case nil:
		return time.Time{}, fmt.Errorf("no marker was read (the step did not run or returned nothing)")
	}
	return time.Time{}, fmt.Errorf("the marker read back is %s, not a time (give an RFC 3339 time or Unix seconds)", valueKind(v))
}

// valueKind names a marker value's kind in the runbook author's terms.
func valueKind(v any) string {
	switch v.(type) {
	case bool:
		return "true or false"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return "neither text nor a number"
}

// unixTime reads seconds, or milliseconds when the number is too large for seconds.
func unixTime(f float64) time.Time {
	if f > 1e12 {
		return time.UnixMilli(int64(f)).UTC()
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}
