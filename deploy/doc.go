// Package deploy holds no code: the folder is bcdr's deployment (the container image,
// the compose file, the Helm chart, the IAM role template, the smoke runbook), and this
// package's tests check them offline: the chart is linted and rendered with the Helm
// library and its manifests decoded strictly as Kubernetes objects, the compose file
// and the Dockerfile are checked against bcdr's configuration keys and commands, and
// the production guide's docker and helm commands are checked against these files.
package deploy
