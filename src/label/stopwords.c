/* stopwords.c - English function words left out of keyword labels, plus
 * the fragments that contractions leave when apostrophes split words
 * ("don't" -> "don") and a few words that are frequent in web text but
 * never name a topic. The list is ours; lookups are a binary search. */
#include "label/label.h"

#include <stdlib.h>
#include <string.h>

/* sorted (strcmp order); the test checks the order */
static const char *const words[] = {
    "a", "about", "above", "across", "after", "afterwards", "again", "against", "ago", "all",
    "almost", "alone", "along", "already", "also", "although", "always", "am", "among",
    "amongst", "an", "and", "another", "any", "anyhow", "anyone", "anything", "anyway",
    "anywhere", "are", "aren", "around", "as", "at", "away", "back", "be", "became",
    "because", "become", "becomes", "been", "before", "beforehand", "behind", "being",
    "below", "beside", "besides", "best", "better", "between", "beyond", "both", "but", "by",
    "can", "cannot", "cant", "click", "com", "could", "couldn", "did", "didn", "do",
    "does", "doesn", "doing", "don", "done", "down", "due", "during", "each", "eg", "either",
    "else", "elsewhere", "enough", "especially", "etc", "even", "ever", "every", "everyone",
    "everything", "everywhere", "except", "far", "few", "first", "for", "from", "further",
    "get", "gets", "getting", "give", "given", "gives", "go", "goes", "going", "gone", "got",
    "great", "had", "hadn", "has", "hasn", "have", "haven", "having", "he", "hence", "her",
    "here", "hers", "herself", "him", "himself", "his", "how", "however", "http", "https",
    "ie", "if", "in", "indeed", "instead", "into", "is", "isn", "it", "its", "itself", "just",
    "last", "least", "less", "let", "like", "likely", "ll", "made", "make", "makes", "making",
    "many", "may", "maybe", "me", "might", "mine", "more", "moreover", "most", "mostly",
    "much", "must", "mustn", "my", "myself", "namely", "need", "neither", "never",
    "nevertheless", "new", "next", "no", "nobody", "none", "nor", "not", "nothing", "now",
    "nowhere", "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other",
    "others", "otherwise", "our", "ours", "ourselves", "out", "over", "own", "per", "perhaps",
    "please", "put", "quite", "rather", "re", "read", "really", "said", "same", "say",
    "says", "see", "seem", "seemed", "seems", "several", "shall", "she", "should",
    "shouldn", "since", "so", "some", "somehow", "someone", "something", "sometimes",
    "somewhere", "still", "such", "take", "takes", "than", "that", "the", "their", "theirs",
    "them", "themselves", "then", "thence", "there", "thereafter", "thereby", "therefore",
    "therein", "these", "they", "thing", "things", "this", "those", "though", "through",
    "throughout", "thus", "to", "together", "too", "toward", "towards", "two", "under",
    "unless", "until", "up", "upon", "us", "use", "used", "uses", "using", "ve", "very",
    "via", "want", "was", "wasn", "way", "ways", "we", "well", "were", "weren", "what",
    "whatever", "when", "whence", "whenever", "where", "whereas", "whereby", "wherever",
    "whether", "which", "while", "who", "whoever", "whole", "whom", "whose", "why", "will",
    "with", "within", "without", "won", "would", "wouldn", "www", "yet", "you", "your",
    "yours", "yourself", "yourselves",
};

static int cmp(const void *key, const void *elt) {
    return strcmp(key, *(const char *const *)elt);
}

int tc_stopword(const char *w, size_t len) {
    char buf[16];
    if (len >= sizeof buf) return 0;
    memcpy(buf, w, len);
    buf[len] = 0;
    return bsearch(buf, words, sizeof words / sizeof *words, sizeof *words, cmp) != NULL;
}

const char *const *tc_stopword_list(size_t *n) {
    *n = sizeof words / sizeof *words;
    return words;
}
