package runbooks

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// ReadProblem says, in a runbook author's terms and with what to do next, why the
// runbook file named could not be read: "nothere.yaml: open nothere.yaml: no such file or
// directory" repeated the name and said nothing of what to do.
func ReadProblem(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "the runbook file does not exist; check the path (the bundled runbooks are listed by 'ls runbooks/library/')"
	case errors.Is(err, syscall.EISDIR):
		return "this is a folder, not a runbook file; name a .yaml file in it (for every runbook of the folder: FOLDER/*.yaml)"
	case errors.Is(err, fs.ErrPermission):
		return "the runbook file cannot be read: permission denied; check its permissions (ls -l)"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err.Error() == "path escapes from parent" {
		return "the path leaves the runbook's folder (through .. or a symbolic link); nested runbooks are read only from inside it"
	}
	return fmt.Sprintf("the runbook file cannot be read: %v", err)
}

// nestedReadProblem says why a nested runbook's file could not be read, in the terms of
// the step that names it.
func nestedReadProblem(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "the file does not exist; the path is relative to the runbook that names it"
	}
	return ReadProblem(err)
}
