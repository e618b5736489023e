// Package lazy holds values made on their first use: a resource that may be away when a
// process starts (an identity provider, an evidence bucket) is reached when it is first
// needed, and again on the next use after a failure to reach it.
package lazy
