package compat

// Closest returns the candidate nearest to word by edit distance
// (insertions, deletions, substitutions and swaps of two neighbours), or ""
// when none is near enough to be a likely typo: none for a word of one or
// two letters (every other short word is that near), one edit up to five
// letters, a third of the word's length for longer ones. Ties go to the
// earlier candidate, so the caller's order decides.
func Closest(word string, candidates []string) string {
	best, bestD := "", -1
	limit := max(1, len(word)/3)
	if len(word) < 3 {
		return ""
	}
	for _, c := range candidates {
		if c == word {
			continue
		}
		d := editDistance(word, c)
		if d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b, byte by
// byte (rc.conf names are ASCII).
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
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
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
