package yamlnode

import "strings"

// Suggest returns ` (did you mean "x"?)` for the candidate closest to name by edit
// distance when it is close enough (at most 2 edits, or a third of name's length), and
// "" otherwise.
func Suggest(name string, candidates []string) string {
	return didYouMean(closest(name, candidates))
}

// SuggestPrefix is Suggest that, when no candidate is close enough, offers the shortest
// candidate that begins with name, or that name begins with ("time" for "timeout",
// "timeout" for "timeout_seconds"); names under 3 bytes get no such offer.
func SuggestPrefix(name string, candidates []string) string {
	best := closest(name, candidates)
	if best == "" && len(name) >= 3 {
		best = shortestPrefixOf(name, candidates)
	}
	return didYouMean(best)
}

func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return ` (did you mean "` + s + `"?)`
}

// closest returns the candidate nearest to name when it is near enough, or "". Of equal
// distances the first in sort order wins.
func closest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if d := EditDistance(name, c); bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if best != "" && bestDist <= max(2, len(name)/3) {
		return best
	}
	return ""
}

// shortestPrefixOf returns the shortest candidate that is a prefix of name or has name
// as a prefix, or "".
func shortestPrefixOf(name string, candidates []string) string {
	best := ""
	for _, c := range candidates {
		if strings.HasPrefix(c, name) || strings.HasPrefix(name, c) {
			if best == "" || len(c) < len(best) || (len(c) == len(best) && c < best) {
				best = c
			}
		}
	}
	return best
}

// EditDistance returns the Levenshtein distance between a and b. Strings over 64 bytes are not
// compared (the length of the longer is returned), so that a long unknown key costs
// little.
func EditDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
