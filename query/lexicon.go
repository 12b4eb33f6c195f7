package query

// The built-in parser's word lists. Entries are normalised (lowercase, no accents, no apostrophes).

// categoryLexicon maps words and phrases to category names. A target only applies when the
// catalog has a category of that name (compared normalised), so the lexicon is safe for any
// catalog. The catalog's own categories are added automatically.
var categoryLexicon = map[string][]string{
	"funny": {"Comedy"}, "lighthearted": {"Comedy"}, "light hearted": {"Comedy"}, "hilarious": {"Comedy"},
	"humorous": {"Comedy"}, "humor": {"Comedy"}, "humour": {"Comedy"}, "comedic": {"Comedy"},
	"feel good": {"Comedy"}, "feelgood": {"Comedy"}, "silly": {"Comedy"}, "goofy": {"Comedy"},
	"laugh": {"Comedy"}, "comedy": {"Comedy"}, "romcom": {"Comedy", "Romance"},
	"rom com": {"Comedy", "Romance"}, "romantic comedy": {"Comedy", "Romance"},
	"scary": {"Horror"}, "frightening": {"Horror"}, "terrifying": {"Horror"}, "creepy": {"Horror"},
	"spooky": {"Horror"}, "horror": {"Horror"}, "horrifying": {"Horror"},
	"kid": {"Children"}, "children": {"Children"}, "child": {"Children"}, "childrens": {"Children"},
	"family": {"Children"}, "kiddie": {"Children"}, "toddler": {"Children"},
	"cartoon": {"Animation"}, "animated": {"Animation"}, "animation": {"Animation"}, "anime": {"Animation"},
	"romantic": {"Romance"}, "romance": {"Romance"}, "love story": {"Romance"},
	"action": {"Action"}, "action packed": {"Action"}, "explosion": {"Action"}, "shootout": {"Action"},
	"adventure": {"Adventure"}, "adventurous": {"Adventure"},
	"crime": {"Crime"}, "criminal": {"Crime"}, "gangster": {"Crime"}, "mafia": {"Crime"}, "mob": {"Crime"},
	"documentary": {"Documentary"}, "doc": {"Documentary"}, "nonfiction": {"Documentary"},
	"non fiction": {"Documentary"},
	"drama":       {"Drama"}, "dramatic": {"Drama"}, "tearjerker": {"Drama"},
	"fantasy": {"Fantasy"}, "magical": {"Fantasy"}, "wizard": {"Fantasy"}, "fairy tale": {"Fantasy"},
	"noir": {"Film-Noir"}, "film noir": {"Film-Noir"},
	"musical": {"Musical"}, "singing": {"Musical"},
	"mystery": {"Mystery"}, "whodunit": {"Mystery"}, "detective": {"Mystery"},
	"sci fi": {"Sci-Fi"}, "scifi": {"Sci-Fi"}, "science fiction": {"Sci-Fi"}, "futuristic": {"Sci-Fi"},
	"thriller": {"Thriller"}, "suspenseful": {"Thriller"}, "suspense": {"Thriller"}, "gripping": {"Thriller"},
	"war": {"War"}, "military": {"War"}, "wwii": {"War"}, "ww2": {"War"},
	"western": {"Western"}, "cowboy": {"Western"}, "wild west": {"Western"},
	"imax": {"IMAX"},
}

// tagLexicon maps words to tags they stand for, used when the catalog has the tag.
var tagLexicon = map[string]string{
	"violent": "violence", "gory": "gore", "bloody": "gore", "slashers": "slasher",
	"zombie": "zombies", "vampire": "vampires", "dinosaur": "dinosaurs", "robot": "robots",
	"alien": "aliens",
}

// stopWords carry no content: grammar words and the filler of requests ("show me a good movie").
var stopWords = setOf(
	"a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "by", "for", "with", "about",
	"from", "into", "onto", "over", "under", "is", "are", "was", "were", "be", "been", "being",
	"it", "its", "this", "that", "these", "those", "there", "here", "some", "any", "something",
	"anything", "somethin", "stuff", "thing", "things", "one", "ones", "i", "im", "me", "my", "we",
	"us", "our", "you", "your", "he", "she", "they", "them", "his", "her", "their", "who", "whom",
	"which", "what", "where", "when", "why", "how", "as", "so", "too", "very", "really", "quite",
	"just", "also", "but", "if", "then", "than", "more", "most", "less", "much", "many", "lot",
	"lots", "kind", "sort", "type", "please", "pls", "want", "wanna", "would", "could", "should",
	"can", "will", "do", "does", "did", "have", "has", "had", "get", "got", "show", "shows", "give",
	"find", "recommend", "recommendation", "recommendations", "suggest", "suggestion", "suggestions",
	"watch", "watching", "see", "looking", "look", "need", "like", "liked", "love", "loved", "enjoy",
	"enjoyed", "movie", "movies", "film", "films", "flick", "flicks", "picture", "pictures", "title",
	"titles", "good", "great", "nice", "best", "fun", "cool", "awesome", "set", "made", "released",
	"feel", "feeling", "mood", "tonight", "today", "night", "evening", "weekend", "maybe", "perhaps",
	"other", "another", "similar", "same", "style", "vein", "akin", "such", "all", "both", "each",
	"every", "well", "only", "even", "still", "way", "ideally", "preferably", "probably",
	"era", "year", "years", "decade", "period", "time", "old", "new", "newer", "older", "earlier",
	"later", "between", "before", "after", "since", "until", "till", "around", "during", "circa",
	"where", "featuring", "involving", "starring", "including", "top", "few", "couple",
	"else", "whats", "anyone", "someone", "somebody", "know", "think", "maybe", "ok", "okay", "hey",
	"hi", "hello", "thanks", "thank", "lets", "let", "go", "going", "something", "whatever", "else",
)

// negations start a negated scope that applies to the next concept.
var negations = setOf("not", "no", "without", "except", "excluding", "exclude", "nothing", "non",
	"never", "dont", "doesnt", "avoid", "minus", "nor", "none", "neither", "isnt", "arent", "wont",
	"hate", "dislike", "skip")

// titleTriggers introduce example titles ("like Amelie", "similar to Heat").
var titleTriggers = [][]string{
	{"like"}, {"liked"}, {"love"}, {"loved"}, {"enjoyed"}, {"enjoy"}, {"similar", "to"},
	{"such", "as"}, {"reminds", "me", "of"}, {"in", "the", "style", "of"}, {"in", "the", "vein", "of"},
	{"as", "good", "as"}, {"fans", "of"}, {"fan", "of"}, {"same", "as"}, {"akin", "to"},
	{"a", "la"}, {"along", "the", "lines", "of"}, {"resembling"}, {"comparable", "to"},
}

// articles are dropped at the start of titles ("The Matrix" == "Matrix, The").
var articles = setOf("the", "a", "an", "le", "la", "les", "l", "el", "il", "lo", "los", "las",
	"der", "die", "das", "un", "une", "una", "uno", "gli", "det", "den", "het")

// diversityWords ask for a varied list.
var diversityWords = setOf("diverse", "varied", "variety", "mix", "mixed", "different", "eclectic",
	"surprise", "assorted", "range", "wide")

// countNouns follow a number that is a count hint ("5 movies").
var countNouns = setOf("movie", "movies", "film", "films", "title", "titles", "picks", "options",
	"results", "recommendations", "suggestions", "items", "things", "ones", "flicks", "shows")

var numberWords = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
	"twenty": 20, "thirty": 30, "fifty": 50, "dozen": 12, "hundred": 100}

var decadeWords = map[string]int{"twenties": 1920, "thirties": 1930, "forties": 1940,
	"fifties": 1950, "sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990,
	"noughties": 2000, "aughts": 2000}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
