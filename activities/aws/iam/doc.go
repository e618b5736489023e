// Package iam writes the least-privilege AWS IAM policy that runbooks need: the actions
// of the step kinds they use (runbooks.Kind.IAMActions), on the resources their steps
// name (a hosted zone id, a DB identifier, a bucket: each becomes an ARN), with the
// resource left as "*" only for actions AWS does not authorize per resource, and never
// a wildcard action.
//
// It reads runbooks, not AWS: a step input that is only known at run time (a step's
// output, a required parameter not given) becomes a wildcard in its ARN segment, never
// a wider statement. Steps that assume a role in another account (with role_arn) need
// sts:AssumeRole here and their actions in that role's policy (Options.Role).
package iam
