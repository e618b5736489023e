// Package awstest runs a moto server (a local emulation of AWS APIs) for tests that talk
// to AWS through the real aws-sdk-go-v2 clients with an endpoint override.
//
// moto is installed with `pip install 'moto[server]'`. When it is missing, StartMoto
// skips the test with a loud message on a developer's machine and fails it in CI
// (CI=true), so a CI run can never pass without having run the AWS tests.
package awstest
