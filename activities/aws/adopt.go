package aws

import (
	"fmt"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/bcdr/bcdr/activities"
)

// adoptOrStart is how a step that creates a resource under a fixed identifier survives
// being retried. found is what exists under that identifier now (nil: nothing). When an
// earlier attempt of this step made it (mine), the step adopts it; anyone else's is
// refused, notMine saying why. With nothing found, start creates it; a start that fails
// with the error code alreadyExists lost a race with a concurrent attempt, and the retry
// adopts what that attempt made. start's other errors come back as they are. created is
// false when the step adopted.
func adoptOrStart[R any](what string, found *R, mine func(*R) bool, notMine, alreadyExists string,
	start func() (*R, error)) (r *R, created bool, err error) {
	if found != nil {
		if !mine(found) {
			return nil, false, invalid("%s: %s", what, notMine)
		}
		return found, false, nil
	}
	r, err = start()
	if errorCode(err) == alreadyExists {
		return nil, false, fmt.Errorf("%s: created concurrently, retry to adopt it: %w", what, err)
	}
	if err != nil {
		return nil, false, err
	}
	return r, true, nil
}

// madeByStep reports whether tags are those bcdr put on what this step of this run
// created (restoreConfig.tags).
func madeByStep(tags []rdstypes.Tag, req activities.Request) bool {
	return tagValue(tags, tagRunID) == req.RunID && tagValue(tags, tagStepID) == req.StepID
}
