package recd

// CategoryJaccard is the Jaccard index of two items' category lists: the share of their
// categories they have in common (a comedy-drama and a comedy share one of two). A list
// without categories is similar to nothing. It is the similarity the ranking's diversity
// stage steers by and the offline intra-list diversity measures, so the two agree. Lists are
// taken as sets; they must not repeat a category.
func CategoryJaccard(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				inter++
				break
			}
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
