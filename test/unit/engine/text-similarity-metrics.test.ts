import { describe, expect, it } from 'vitest';
import { lcsLength, lcsOfIds } from '../../../src/engine/graders/metrics/lcs.ts';
import { ReferenceCache, ReferenceIndex } from '../../../src/engine/graders/metrics/reference-index.ts';
import { porterStem } from '../../../src/engine/graders/metrics/porter-stemmer.ts';
import { rougeTokens, wordTokens } from '../../../src/engine/graders/metrics/tokenize.ts';
import {
  bleu,
  cosineSimilarity,
  fuzzyMatch,
  gleu,
  isTextSimilarityMetric,
  meteor,
  rougeL,
  rougeN,
  TEXT_SIMILARITY_METRICS,
  textSimilarity,
  textSimilarityScorer,
  type TextOnlyMetric,
} from '../../../src/engine/graders/text-similarity-metrics.ts';

type ReferencePair = { input: string; reference: string; scores: Record<TextOnlyMetric, number> };

const TEXT_METRICS = TEXT_SIMILARITY_METRICS.filter((metric): metric is TextOnlyMetric => metric !== 'cosine');

// Pasted from the output of scripts/reference-metrics.py (nltk 3.10.3, rapidfuzz 3.14.6, regex 2026.9.29).
const REFERENCE_PAIRS: ReferencePair[] = [
  {"input": "The cat sat on the mat.", "reference": "The cat sat on the mat.", "scores": {"fuzzy_match": 1.0, "bleu": 1.0, "gleu": 1.0, "meteor": 0.9985422740524781, "rouge_1": 1.0, "rouge_2": 1.0, "rouge_3": 1.0, "rouge_4": 1.0, "rouge_5": 1.0, "rouge_l": 1.0}},
  {"input": "yes", "reference": "yes", "scores": {"fuzzy_match": 1.0, "bleu": 1.0, "gleu": 1.0, "meteor": 0.5, "rouge_1": 1.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 1.0}},
  {"input": "apples and oranges", "reference": "quantum chromodynamics rules", "scores": {"fuzzy_match": 0.30434782608695654, "bleu": 0.0, "gleu": 0.0, "meteor": 0.0, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "yes", "reference": "no", "scores": {"fuzzy_match": 0.0, "bleu": 0.0, "gleu": 0.0, "meteor": 0.0, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "The quick brown fox jumps over the lazy dog", "reference": "A quick brown dog jumps over the lazy fox", "scores": {"fuzzy_match": 0.8571428571428572, "bleu": 0.3814165616365676, "gleu": 0.5, "meteor": 0.8333333333333333, "rouge_1": 0.8888888888888888, "rouge_2": 0.5, "rouge_3": 0.2857142857142857, "rouge_4": 0.16666666666666666, "rouge_5": 0.0, "rouge_l": 0.6666666666666666}},
  {"input": "New York", "reference": "New Jersey", "scores": {"fuzzy_match": 0.5555555555555556, "bleu": 0.06754436142034707, "gleu": 0.3333333333333333, "meteor": 0.25, "rouge_1": 0.5, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.5}},
  {"input": "he read the book because he was interested in world history", "reference": "he was interested in world history because he read the book", "scores": {"fuzzy_match": 0.576271186440678, "bleu": 0.7400828044922853, "gleu": 0.7894736842105263, "meteor": 0.9759579263711495, "rouge_1": 1.0, "rouge_2": 0.9, "rouge_3": 0.6666666666666666, "rouge_4": 0.5, "rouge_5": 0.2857142857142857, "rouge_l": 0.5454545454545454}},
  {"input": "the cat sat on the mat", "reference": "on the mat the cat sat", "scores": {"fuzzy_match": 0.5909090909090908, "bleu": 0.3931466788228678, "gleu": 0.6666666666666666, "meteor": 0.7106481481481481, "rouge_1": 1.0, "rouge_2": 0.8000000000000002, "rouge_3": 0.5, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.5}},
  {"input": "Paris", "reference": "The capital of France is Paris.", "scores": {"fuzzy_match": 0.2777777777777778, "bleu": 0.0024787521766663585, "gleu": 0.045454545454545456, "meteor": 0.078125, "rouge_1": 0.2857142857142857, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.2857142857142857}},
  {"input": "The capital of France is Paris, a city of light and culture.", "reference": "Paris", "scores": {"fuzzy_match": 0.15384615384615385, "bleu": 0.01758542189440898, "gleu": 0.02, "meteor": 0.2173913043478261, "rouge_1": 0.15384615384615385, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.15384615384615385}},
  {"input": "The answer is 42.", "reference": "42", "scores": {"fuzzy_match": 0.21052631578947367, "bleu": 0.0456496931223525, "gleu": 0.07142857142857142, "meteor": 0.35714285714285715, "rouge_1": 0.4, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.4}},
  {"input": "HELLO, WORLD!!!", "reference": "hello world", "scores": {"fuzzy_match": 0.07692307692307687, "bleu": 0.0, "gleu": 0.0, "meteor": 0.4166666666666667, "rouge_1": 1.0, "rouge_2": 1.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 1.0}},
  {"input": "Good Morning", "reference": "good morning", "scores": {"fuzzy_match": 0.8333333333333335, "bleu": 0.0, "gleu": 0.0, "meteor": 0.9375, "rouge_1": 1.0, "rouge_2": 1.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 1.0}},
  {"input": "Don't do that", "reference": "Do not do that", "scores": {"fuzzy_match": 0.8888888888888888, "bleu": 0.12121093525642128, "gleu": 0.21428571428571427, "meteor": 0.45731707317073167, "rouge_1": 0.5, "rouge_2": 0.3333333333333333, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.5}},
  {"input": "line one\nline two\tend", "reference": "line one line two end", "scores": {"fuzzy_match": 0.9047619047619048, "bleu": 1.0, "gleu": 1.0, "meteor": 0.996, "rouge_1": 1.0, "rouge_2": 1.0, "rouge_3": 1.0, "rouge_4": 1.0, "rouge_5": 1.0, "rouge_l": 1.0}},
  {"input": "e-mail: user@example.com (2024-05-01)", "reference": "email user at example dot com on 2024 05 01", "scores": {"fuzzy_match": 0.725, "bleu": 0.024595675109435063, "gleu": 0.10344827586206896, "meteor": 0.28301886792452824, "rouge_1": 0.6666666666666665, "rouge_2": 0.25, "rouge_3": 0.14285714285714288, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.6666666666666665}},
  {"input": "Café naïve façade — déjà vu", "reference": "cafe naive facade deja vu", "scores": {"fuzzy_match": 0.7307692307692308, "bleu": 0.03759340464156993, "gleu": 0.05555555555555555, "meteor": 0.09803921568627452, "rouge_1": 0.15384615384615385, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.15384615384615385}},
  {"input": "東京は日本の首都です", "reference": "日本の首都は東京です", "scores": {"fuzzy_match": 0.7, "bleu": 0.0, "gleu": 0.0, "meteor": 0.0, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "I love it 😀👍", "reference": "I love it 👍", "scores": {"fuzzy_match": 0.9565217391304348, "bleu": 0.32184424080043433, "gleu": 0.5, "meteor": 0.9146341463414633, "rouge_1": 1.0, "rouge_2": 1.0, "rouge_3": 1.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 1.0}},
  {"input": "𝐚𝐛𝐜 𝐝𝐞𝐟 ok", "reference": "𝐚𝐛𝐜 xyz ok", "scores": {"fuzzy_match": 0.7, "bleu": 0.08621454270909737, "gleu": 0.3333333333333333, "meteor": 0.3333333333333333, "rouge_1": 0.6666666666666666, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.6666666666666666}},
  {"input": "İstanbul is 5 K away", "reference": "istanbul is 5 k away", "scores": {"fuzzy_match": 0.9, "bleu": 0.13414195051824768, "gleu": 0.2857142857142857, "meteor": 0.7937500000000002, "rouge_1": 0.7272727272727272, "rouge_2": 0.6666666666666665, "rouge_3": 0.5714285714285715, "rouge_4": 0.4, "rouge_5": 0.0, "rouge_l": 0.7272727272727272}},
  {"input": "cafe\u0301 au lait", "reference": "café au lait", "scores": {"fuzzy_match": 0.88, "bleu": 0.21177974141341938, "gleu": 0.5, "meteor": 0.625, "rouge_1": 0.6666666666666666, "rouge_2": 0.5, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.6666666666666666}},
  {"input": "cafe\u0301 au lait", "reference": "cafe au lait", "scores": {"fuzzy_match": 0.96, "bleu": 0.21177974141341938, "gleu": 0.5, "meteor": 0.625, "rouge_1": 1.0, "rouge_2": 1.0, "rouge_3": 1.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 1.0}},
  {"input": "नमस्ते दुनिया, नमस्ते", "reference": "नमस्ते दोस्त", "scores": {"fuzzy_match": 0.6666666666666667, "bleu": 0.061033220311973134, "gleu": 0.1, "meteor": 0.22727272727272727, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "ΟΔΟΣ ΚΑΙ ΟΔΟΣ", "reference": "οδος και οδός", "scores": {"fuzzy_match": 0.15384615384615385, "bleu": 0.0, "gleu": 0.0, "meteor": 0.3333333333333333, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "The runners were running quickly to the finishing lines", "reference": "A runner runs quick to finish the line", "scores": {"fuzzy_match": 0.6881720430107527, "bleu": 0.030601688609851067, "gleu": 0.06666666666666667, "meteor": 0.3703703703703704, "rouge_1": 0.23529411764705882, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.23529411764705882}},
  {"input": "generously generalized generations", "reference": "generous general generation", "scores": {"fuzzy_match": 0.8852459016393442, "bleu": 0.0, "gleu": 0.0, "meteor": 0.9814814814814815, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "the the the the the the the", "reference": "the cat is on the mat", "scores": {"fuzzy_match": 0.5416666666666667, "bleu": 0.03848196746087264, "gleu": 0.09090909090909091, "meteor": 0.1639344262295082, "rouge_1": 0.30769230769230765, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.30769230769230765}},
  {"input": "buffalo buffalo buffalo", "reference": "buffalo", "scores": {"fuzzy_match": 0.4666666666666666, "bleu": 0.07249749990681824, "gleu": 0.16666666666666666, "meteor": 0.4166666666666667, "rouge_1": 0.5, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.5}},
  {"input": "a b a b a b", "reference": "b a b a", "scores": {"fuzzy_match": 0.7777777777777779, "bleu": 0.5081327481546147, "gleu": 0.5555555555555556, "meteor": 0.4761904761904762, "rouge_1": 0.8, "rouge_2": 0.7499999999999999, "rouge_3": 0.6666666666666666, "rouge_4": 0.5, "rouge_5": 0.0, "rouge_l": 0.8}},
  {"input": "", "reference": "", "scores": {"fuzzy_match": 1.0, "bleu": 0.0, "gleu": 0.0, "meteor": 0.0, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "", "reference": "something", "scores": {"fuzzy_match": 0.0, "bleu": 0.0, "gleu": 0.0, "meteor": 0.0, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "something", "reference": "", "scores": {"fuzzy_match": 0.0, "bleu": 0.0, "gleu": 0.0, "meteor": 0.0, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "   ", "reference": "", "scores": {"fuzzy_match": 0.0, "bleu": 0.0, "gleu": 0.0, "meteor": 0.0, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "!!!", "reference": "?", "scores": {"fuzzy_match": 0.0, "bleu": 0.0, "gleu": 0.0, "meteor": 0.0, "rouge_1": 0.0, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.0}},
  {"input": "recieve the pakage tommorow", "reference": "receive the package tomorrow", "scores": {"fuzzy_match": 0.9090909090909091, "bleu": 0.061033220311973134, "gleu": 0.1, "meteor": 0.125, "rouge_1": 0.25, "rouge_2": 0.0, "rouge_3": 0.0, "rouge_4": 0.0, "rouge_5": 0.0, "rouge_l": 0.25}},
  {"input": "Evaluation of generated text is hard: n-gram metrics such as BLEU and ROUGE reward overlap with a reference, METEOR adds stems and synonyms, and edit distances compare characters. None of them understands meaning, so a gate built on them should use generous thresholds and references written the way the model is expected to answer.", "reference": "Evaluating generated texts is difficult; n-gram scores like BLEU or ROUGE reward overlapping with references, while METEOR also matches stems (and synonyms), and edit distance compares the characters. No metric understands meaning, so gates built on these need generous thresholds, with references phrased as the model should answer.", "scores": {"fuzzy_match": 0.7789473684210526, "bleu": 0.1099975016433958, "gleu": 0.2231404958677686, "meteor": 0.6139091637884568, "rouge_1": 0.5576923076923076, "rouge_2": 0.2156862745098039, "rouge_3": 0.08, "rouge_4": 0.04081632653061224, "rouge_5": 0.020833333333333332, "rouge_l": 0.5}},
  {"input": "pass generation run and the answer metric at as an quick with runner be running was pass generation run eval test answer it happiness generated in question generate runner item running were to generation this eval test quickly happily happiness as an quick reference for be is was to generation this and test answer happily grader output in that with for item are runs to by this and from on happily happiness output an that with model item are runs to generation of and the on it at output an that with for item are runs or by of and test on happily grader generated in quick reference for be are runs or score this which the answer happily grader as fail question with for item are was or generation this eval test on it happiness as an question reference for item running were to by of eval test on it grader output an quick generate model item are was to score run which test answer it happiness as an question reference model be running were to by this eval test quickly it grader as fail question reference runner item running were to generation of and from answer metric happiness as an question reference model be are runs to generation this eval the quickly happily grader output fail quick with for be running runs or score this and test answer it happiness output an question with model a is was to score run and test answer it happiness output in question with runner item is was or generation run eval the quickly metric at as fail that generate runner a are were to by run which from on it at generated in question with for a are was to score this eval the answer metric happiness generated fail quick generate", "reference": "for item is runs pass generation run which test answer it at generated fail that generate runner be running runs pass score run and test answer metric happiness as an that generate model a is runs or by this which test answer it grader output fail quick generate for a running runs or generation this eval the on metric grader generated in quick reference runner a is was pass score of and the answer metric grader as in that generate model be is runs pass generation run which from answer happily happiness generated in that reference model be running was pass by run which test answer metric grader generated fail question reference for be running were or score this and from answer it at output fail question generate runner item is were pass generation of and the answer it happiness generated fail that reference model item are were to score of and test answer metric at output in quick reference runner item is was or generation run and test on happily at output an question generate runner be running was or generation of and test on it grader generated fail that with for a are was pass by of and test answer happily at generated an question with for item is was or by run which the on metric grader generated in that with runner be running runs pass by this eval test quickly happily grader generated in question with model a is were or score this which from answer happily at output in question reference runner a is runs pass score run which the answer it happiness output an quick generate model a running were pass generation run and", "scores": {"fuzzy_match": 0.5861198738170347, "bleu": 0.3950140965719553, "gleu": 0.46063651591289784, "meteor": 0.47531800059874624, "rouge_1": 0.7724137931034483, "rouge_2": 0.5847750865051904, "rouge_3": 0.3854166666666667, "rouge_4": 0.1602787456445993, "rouge_5": 0.045454545454545456, "rouge_l": 0.36551724137931035}},
  {"input": "from on it grader output fail quick reference model a are were to by of and test quickly metric grader as an question with model item running runs pass generation this and the answer metric grader as in question generate runner be is runs or generation of which the answer happily grader generated an question generate for item are runs to score of and from answer metric grader as an quick generate for a running runs pass score of eval test answer metric grader output fail that with model be running was to by this which test on it happiness output in question reference for item is was to score run and test on metric at generated an quick with", "reference": "from on it grader output fail quick reference model a are were to by of and test quickly metric grader as an question with model item running runs pass generation this and the answer metric grader as in question generate runner be is runs or generation of which the answer happily grader generated an question generate for item are runs to score of and from answer metric grader as an quick generate for a running runs pass score of eval test answer metric grader output fail that with model be running was to by this which test on it happiness output in question reference for item is was to score run and test on metric at generated an quick with and one more answer", "scores": {"fuzzy_match": 0.9848024316109423, "bleu": 0.9672161004820058, "gleu": 0.9673469387755103, "meteor": 0.9694936061668465, "rouge_1": 0.9836065573770492, "rouge_2": 0.9834710743801653, "rouge_3": 0.9833333333333333, "rouge_4": 0.9831932773109243, "rouge_5": 0.983050847457627, "rouge_l": 0.9836065573770492}},
];

// Pasted from the same output: NLTK's PorterStemmer().stem(word).
const REFERENCE_STEMS: Record<string, string> = {
  "caresses": "caress", "ponies": "poni", "ties": "tie", "caress": "caress", "cats": "cat", "feed": "feed",
  "agreed": "agre", "plastered": "plaster", "bled": "bled", "motoring": "motor", "sing": "sing",
  "conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop", "tanned": "tan",
  "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail", "filing": "file",
  "happy": "happi", "sky": "sky", "relational": "relat", "conditional": "condit", "rational": "ration",
  "valenci": "valenc", "hesitanci": "hesit", "digitizer": "digit", "conformabli": "conform",
  "radicalli": "radic", "differentli": "differ", "vileli": "vile", "analogousli": "analog",
  "vietnamization": "vietnam", "predication": "predic", "operator": "oper", "feudalism": "feudal",
  "decisiveness": "decis", "hopefulness": "hope", "callousness": "callous", "formaliti": "formal",
  "sensitiviti": "sensit", "sensibiliti": "sensibl", "triplicate": "triplic", "formative": "form",
  "formalize": "formal", "electriciti": "electr", "electrical": "electr", "hopeful": "hope",
  "goodness": "good", "revival": "reviv", "allowance": "allow", "inference": "infer", "airliner": "airlin",
  "gyroscopic": "gyroscop", "adjustable": "adjust", "defensible": "defens", "irritant": "irrit",
  "replacement": "replac", "adjustment": "adjust", "dependent": "depend", "adoption": "adopt",
  "homologou": "homolog", "communism": "commun", "activate": "activ", "angulariti": "angular",
  "homologous": "homolog", "effective": "effect", "bowdlerize": "bowdler", "probate": "probat",
  "rate": "rate", "cease": "ceas", "controll": "control", "roll": "roll", "skies": "sky", "dying": "die",
  "lying": "lie", "tying": "tie", "news": "news", "innings": "inning", "inning": "inning",
  "outings": "outing", "cannings": "canning", "howe": "howe", "proceed": "proceed", "exceed": "exceed",
  "succeed": "succeed", "flies": "fli", "dies": "die", "spied": "spi", "died": "die", "cries": "cri",
  "enjoy": "enjoy", "enjoyment": "enjoy", "spy": "spi", "fly": "fli", "try": "tri", "generously": "gener",
  "geology": "geolog", "archaeology": "archaeolog", "theology": "theolog", "hopefully": "hope",
  "fully": "fulli", "beautifully": "beauti", "y": "y", "by": "by", "yy": "yy", "yyy": "yyy", "yyyy": "yyyi",
  "syzygy": "syzygi", "toy": "toy", "ivy": "ivi", "trees": "tree", "troubles": "troubl", "private": "privat",
  "oaten": "oaten", "orrery": "orreri", "a": "a", "is": "is", "as": "as", "us": "us", "bus": "bu",
  "agrees": "agre", "tree": "tree", "generalization": "gener", "oscillators": "oscil", "running": "run",
  "runner": "runner", "runs": "run", "quickly": "quickli", "finishing": "finish", "lines": "line",
  "generations": "gener", "generalized": "gener", "generous": "gener", "general": "gener", "meeting": "meet",
  "meetings": "meet", "stated": "state", "station": "station", "nationalities": "nation",
  "abilities": "abil", "possibly": "possibl", "pleasantly": "pleasantli", "reasonable": "reason",
  "conditioning": "condit", "happiness": "happi", "happier": "happier", "happiest": "happiest",
  "flying": "fli", "played": "play", "playing": "play", "plays": "play", "crying": "cri", "hoping": "hope",
  "hopped": "hop", "bowling": "bowl", "filled": "fill", "ringing": "ring", "sizing": "size",
  "hating": "hate", "hated": "hate", "bating": "bate", "hissed": "hiss", "fizzing": "fizz", "wading": "wade",
  "sliding": "slide", "pirate": "pirat", "mississippi": "mississippi", "abates": "abat", "bringing": "bring",
  "xyzzy": "xyzzi", "colonel": "colonel", "archaeologies": "archaeolog", "lieutenant": "lieuten",
  "thinking": "think", "hazards": "hazard", "café": "café", "naïve": "naïv", "façade": "façad",
  "déjà": "déjà", "東京": "東京", "a𝐛𝐛ed": "a𝐛", "𝐚𝐛𝐜ing": "𝐚𝐛𝐜ing", "ponie𝐬": "ponie𝐬", "𝐱": "𝐱",
};

/** A small seeded generator (mulberry32), so that the property checks are repeatable. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const VOCABULARY = [
  'the', 'The', 'a', 'cat', 'cats', 'sat', 'on', 'mat', 'running', 'runs', 'runner', 'quick', 'quickly',
  'happy', 'happiness', ',', '.', '!', '?', "don't", 'café', 'naïve', '東京', '😀', '𝐚𝐛𝐜', '42', 'İstanbul',
];

/** Random texts of 0 to 60 words, from a vocabulary that shares words, stems, case and punctuation. */
function randomTexts(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const length = Math.floor(random() * random() * 61);
    const words = Array.from({ length }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)] as string);
    return words.join(random() < 0.5 ? ' ' : '  ');
  });
}

const TEXTS = randomTexts(120, 7);
const PAIRS = TEXTS.map((text, i) => [text, TEXTS[(i * 37 + 11) % TEXTS.length] as string] as const);

/** The textbook O(n·m) LCS table, to check the bit-parallel one against. */
function lcsByTable(a: readonly number[], b: readonly number[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = [0];
    for (let j = 1; j <= b.length; j++) {
      row.push(x === b[j - 1] ? (previous[j - 1] as number) + 1 : Math.max(previous[j] as number, row[j - 1] as number));
    }
    previous = row;
  }
  return previous[b.length] as number;
}

describe('text similarity metrics against the Python reference values', () => {
  it('has reference pairs for every text metric', () => {
    expect(REFERENCE_PAIRS.length).toBeGreaterThan(30);
    for (const pair of REFERENCE_PAIRS) expect(Object.keys(pair.scores).sort()).toEqual([...TEXT_METRICS].sort());
  });

  for (const metric of TEXT_METRICS) {
    it(`${metric} matches the reference on every pair`, () => {
      for (const { input, reference, scores } of REFERENCE_PAIRS) {
        const score = textSimilarity(metric, input, reference);
        expect(Math.abs(score - scores[metric]), `${metric}(${JSON.stringify(input)}, ${JSON.stringify(reference)}) = ${score}, expected ${scores[metric]}`).toBeLessThan(1e-6);
      }
    });
  }

  it('the named functions are the dispatched ones', () => {
    const [input, reference] = ['The quick brown fox jumps over the lazy dog', 'A quick brown dog jumps over the lazy fox'];
    expect(fuzzyMatch(input, reference)).toBe(textSimilarity('fuzzy_match', input, reference));
    expect(bleu(input, reference)).toBe(textSimilarity('bleu', input, reference));
    expect(gleu(input, reference)).toBe(textSimilarity('gleu', input, reference));
    expect(meteor(input, reference)).toBe(textSimilarity('meteor', input, reference));
    for (const n of [1, 2, 3, 4, 5] as const) expect(rougeN(input, reference, n)).toBe(textSimilarity(`rouge_${n}`, input, reference));
    expect(rougeL(input, reference)).toBe(textSimilarity('rouge_l', input, reference));
  });

  it("the Porter stemmer gives NLTK's stems", () => {
    for (const [word, stem] of Object.entries(REFERENCE_STEMS)) expect(porterStem(word), word).toBe(stem);
  });
});

describe('empty texts', () => {
  it('two empty texts are a perfect fuzzy match and score 0 on every token metric, as the libraries do', () => {
    expect(fuzzyMatch('', '')).toBe(1);
    for (const metric of TEXT_METRICS.filter((m) => m !== 'fuzzy_match')) expect(textSimilarity(metric, '', ''), metric).toBe(0);
  });

  it('an empty text against a non-empty one scores 0 on every metric', () => {
    for (const metric of TEXT_METRICS) {
      expect(textSimilarity(metric, '', 'some words'), metric).toBe(0);
      expect(textSimilarity(metric, 'some words', ''), metric).toBe(0);
    }
  });
});

describe('properties', () => {
  it('every metric scores in [0, 1]', () => {
    for (const [a, b] of PAIRS) {
      for (const metric of TEXT_METRICS) {
        const score = textSimilarity(metric, a, b);
        expect(score >= 0 && score <= 1, `${metric}(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${score}`).toBe(true);
      }
    }
  });

  it('fuzzy_match, gleu and the ROUGE F-measures are symmetric', () => {
    const symmetric: TextOnlyMetric[] = ['fuzzy_match', 'gleu', 'rouge_1', 'rouge_2', 'rouge_3', 'rouge_4', 'rouge_5', 'rouge_l'];
    for (const [a, b] of PAIRS) {
      for (const metric of symmetric) expect(textSimilarity(metric, a, b), metric).toBeCloseTo(textSimilarity(metric, b, a), 12);
    }
  });

  it('bleu and meteor are not symmetric: the input is the hypothesis, the reference the reference', () => {
    const [short, long] = ['Paris', 'The capital of France is Paris.'];
    expect(bleu(short, long)).toBeLessThan(bleu(long, short));
    expect(meteor(short, long)).toBeLessThan(meteor(long, short));
  });

  it('identical texts score 1 (BLEU: 1 or at least 4 tokens; ROUGE-N: at least n; METEOR: 1 − 0.5/n³ for n tokens)', () => {
    const nonEmpty = TEXTS.filter((t) => wordTokens(t).length > 0);
    // The sample must hold the short cases the rules single out.
    expect(new Set(nonEmpty.map((t) => Math.min(wordTokens(t).length, 5)))).toEqual(new Set([1, 2, 3, 4, 5]));
    for (const text of nonEmpty) {
      const n = wordTokens(text).length;
      expect(fuzzyMatch(text, text)).toBe(1);
      // Two or three tokens have no 4-grams (two, no 3-grams either): method 4 smoothing stands in
      // ln(n)/(5·2^k) for the k-th missing precision, as NLTK does, so the score stays well below 1.
      const expectedBleu = n === 2 ? ((Math.LN2 / 10) * (Math.LN2 / 20)) ** 0.25 : n === 3 ? (Math.log(3) / 10) ** 0.25 : 1;
      expect(bleu(text, text)).toBeCloseTo(expectedBleu, 12);
      expect(gleu(text, text)).toBe(1);
      expect(meteor(text, text)).toBeCloseTo(1 - 0.5 / n ** 3, 12);
      const rougeLength = rougeTokens(text).length;
      for (const order of [1, 2, 3, 4, 5]) expect(rougeN(text, text, order)).toBe(rougeLength >= order ? 1 : 0);
      expect(rougeL(text, text)).toBe(rougeLength > 0 ? 1 : 0);
    }
  });

  it('dropping words from the input lowers rouge_1 step by step', () => {
    const reference = 'the quick brown fox jumps over the lazy dog';
    const words = reference.split(' ');
    let previous = 1;
    for (let kept = words.length - 1; kept >= 1; kept--) {
      const score = rougeN(words.slice(0, kept).join(' '), reference, 1);
      expect(score).toBeLessThan(previous);
      previous = score;
    }
  });
});

describe('lcsLength', () => {
  it('equals the textbook table on random sequences, across 32-bit word boundaries', () => {
    const random = seededRandom(42);
    for (const length of [0, 1, 2, 31, 32, 33, 63, 64, 65, 100, 250]) {
      for (const alphabet of [2, 4, 30]) {
        const a = Array.from({ length }, () => Math.floor(random() * alphabet));
        const b = Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * alphabet));
        expect(lcsLength(a, b), `length ${length}, alphabet ${alphabet}`).toBe(lcsByTable(a, b));
        expect(lcsLength(b, a)).toBe(lcsByTable(a, b));
      }
    }
  });

  it('is the whole length for a sequence against itself and 0 against one with no common symbol', () => {
    const a = Array.from({ length: 97 }, (_, i) => i % 7);
    expect(lcsLength(a, a)).toBe(97);
    expect(lcsLength(a, [100, 101, 102])).toBe(0);
  });
});

describe("a grader's scorer, which prepares each distinct reference once", () => {
  it('scores exactly as textSimilarity does, references repeating or not, past the cache bound', () => {
    // A few references for many inputs (cache hits), then more distinct ones than the cache keeps.
    const few = TEXTS.slice(0, 5);
    const inputs = randomTexts(300, 11);
    const pairs = [
      ...REFERENCE_PAIRS.map(({ input, reference }) => [input, reference] as const),
      ...inputs.map((input, i) => [input, few[i % few.length] as string] as const),
      ...randomTexts(1200, 13).map((reference, i) => [inputs[i % inputs.length] as string, `${reference} ${i}`] as const),
      ...inputs.map((input, i) => [input, few[(i * 3) % few.length] as string] as const),
    ];
    for (const metric of TEXT_METRICS) {
      const score = textSimilarityScorer(metric);
      for (const [input, reference] of pairs) {
        expect(score(input, reference), `${metric}(${JSON.stringify(input)}, ${JSON.stringify(reference)})`).toBe(textSimilarity(metric, input, reference));
      }
    }
  });

  it('the cache keeps a reference from its second sighting, and lets the least recently used go first', () => {
    const built: string[] = [];
    const cache = new ReferenceCache<string>(2, 1000);
    const get = (reference: string) => cache.get(reference, (text, keep) => (built.push(`${text}${keep ? ' kept' : ''}`), text.toUpperCase()));
    expect([get('a'), get('b'), get('a'), get('b'), get('a'), get('b')]).toEqual(['A', 'B', 'A', 'B', 'A', 'B']);
    expect(built).toEqual(['a', 'b', 'a kept', 'b kept']);
    get('c');
    get('c'); // kept: evicts a, the least recently used
    get('b');
    get('a');
    expect(built).toEqual(['a', 'b', 'a kept', 'b kept', 'c', 'c kept', 'a']);
    expect(cache.size).toBe(2);
    // A bound on characters too: the oldest go until the kept references fit; one longer than a quarter
    // of the bound is never kept.
    const small = new ReferenceCache<number>(100, 40);
    const kept: string[] = [];
    const twice = (text: string) => {
      for (let i = 0; i < 2; i++) small.get(text, (t, keep) => (keep && kept.push(t), t.length));
    };
    for (const text of ['0123456789', 'abcdefghij', 'ABCDEFGHIJ', 'klmnopqrst']) twice(text);
    expect(small.size).toBe(4);
    twice('KLMNOPQRST');
    expect(small.size).toBe(4);
    twice('x'.repeat(11));
    twice('x'.repeat(11));
    expect(small.size).toBe(4);
    twice('abcdefghij');
    twice('0123456789');
    expect(kept).toEqual(['0123456789', 'abcdefghij', 'ABCDEFGHIJ', 'klmnopqrst', 'KLMNOPQRST', '0123456789']);
  });

  it('clipped n-gram matches are Σ min(hypothesis count, reference count) for every order', () => {
    const random = seededRandom(5);
    const words = ['a', 'b', 'c', 'd'];
    const counts = (tokens: string[], n: number) => {
      const map = new Map<string, number>();
      for (let i = 0; i + n <= tokens.length; i++) map.set(tokens.slice(i, i + n).join(' '), (map.get(tokens.slice(i, i + n).join(' ')) ?? 0) + 1);
      return map;
    };
    for (let trial = 0; trial < 200; trial++) {
      const text = () => Array.from({ length: Math.floor(random() * 20) }, () => words[Math.floor(random() * words.length)] as string);
      const [reference, hypothesis] = [text(), text()];
      const index = new ReferenceIndex(reference, { maxOrder: 5 });
      const expected = [1, 2, 3, 4, 5].map((n) => {
        const ref = counts(reference, n);
        let sum = 0;
        for (const [gram, count] of counts(hypothesis, n)) sum += Math.min(count, ref.get(gram) ?? 0);
        return sum;
      });
      expect(index.clippedMatches(hypothesis), `${hypothesis.join(' ')} vs ${reference.join(' ')}`).toEqual(expected);
      // The same index serves the next hypothesis: nothing of the previous one stays behind.
      expect(index.clippedMatches(reference)).toEqual([1, 2, 3, 4, 5].map((n) => Math.max(0, reference.length - n + 1)));
    }
    expect(() => new ReferenceIndex(['a'], { maxOrder: 2 }).clippedMatches(['a'], 3)).toThrow(RangeError);
  });
});

describe('lcsOfIds', () => {
  it('never matches a negative symbol, and gives the same length with masks for the pattern alone (huge alphabets)', () => {
    const random = seededRandom(9);
    for (const length of [1, 31, 32, 33, 70, 200]) {
      const a = Int32Array.from({ length }, () => Math.floor(random() * 6) - 1);
      const b = Int32Array.from({ length: Math.floor(random() * 150) }, () => Math.floor(random() * 6) - 1);
      // -1 is "a symbol the other text lacks": as if each were a symbol of its own.
      let unique = 1000;
      const distinct = (xs: Int32Array) => [...xs].map((x) => (x < 0 ? unique++ : x));
      const expected = lcsByTable(distinct(a), distinct(b));
      expect(lcsOfIds(a, a.length, b, b.length, 5)).toBe(expected);
      expect(lcsOfIds(b, b.length, a, a.length, 5)).toBe(expected);
      expect(lcsOfIds(a, a.length, b, b.length, 1 << 22)).toBe(expected);
    }
  });
});

describe('tokenizers', () => {
  it('wordTokens: runs of letters, marks and digits, and single punctuation or symbol characters', () => {
    expect(wordTokens("Don't stop—3.14 e-mail 👍 naïve\u00a0ok\n")).toEqual(['Don', "'", 't', 'stop', '—', '3', '.', '14', 'e', '-', 'mail', '👍', 'naïve', 'ok']);
  });

  it("rougeTokens: rouge_score's lowercase ASCII letters and digits", () => {
    expect(rougeTokens("Don't stop—3.14 CAFÉ 東京")).toEqual(['don', 't', 'stop', '3', '14', 'caf']);
  });
});

describe('rougeN', () => {
  it('refuses an order that is not a positive integer', () => {
    expect(() => rougeN('a b', 'a b', 0)).toThrow(/positive integer n; got 0/);
    expect(() => rougeN('a b', 'a b', 1.5)).toThrow(/positive integer n; got 1.5/);
  });
});

describe('cosineSimilarity', () => {
  it('is the cosine of the angle between the vectors', () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 15);
    expect(cosineSimilarity([1, 2, 3], [4, 5, 6])).toBeCloseTo(32 / Math.sqrt(14 * 77), 15);
  });

  it('ignores length, is symmetric, and scores identical vectors 1', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(cosineSimilarity([0.3, -0.2, 0.9], [0.1, 0.5, 0.2])).toBe(cosineSimilarity([0.1, 0.5, 0.2], [0.3, -0.2, 0.9]));
    const v = [0.12, -0.5, 0.33, 0.08];
    expect(cosineSimilarity(v, v)).toBeCloseTo(1, 15);
  });

  it('clamps vectors pointing apart to 0 and scores a zero vector 0', () => {
    expect(cosineSimilarity([1, 2], [-1, -2])).toBe(0);
    expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
    expect(cosineSimilarity([0, 0], [0, 0])).toBe(0);
  });

  it('refuses vectors of different lengths, empty vectors and non-finite components', () => {
    expect(() => cosineSimilarity([1, 2, 3], [1, 2])).toThrow('cosine similarity needs vectors of the same length; got 3 and 2.');
    expect(() => cosineSimilarity([], [])).toThrow(/non-empty vectors/);
    expect(() => cosineSimilarity([1, Number.NaN], [1, 2])).toThrow(/component 1 is NaN and 2/);
  });
});

describe('the metric list and the dispatcher', () => {
  it('lists the 11 metrics of the text_similarity grader', () => {
    expect(TEXT_SIMILARITY_METRICS).toEqual(['fuzzy_match', 'bleu', 'gleu', 'meteor', 'rouge_1', 'rouge_2', 'rouge_3', 'rouge_4', 'rouge_5', 'rouge_l', 'cosine']);
    expect(isTextSimilarityMetric('rouge_l')).toBe(true);
    expect(isTextSimilarityMetric('rouge_6')).toBe(false);
    expect(isTextSimilarityMetric(undefined)).toBe(false);
  });

  it('refuses cosine, which needs embeddings', () => {
    expect(() => textSimilarity('cosine' as TextOnlyMetric, 'a', 'a')).toThrow(/cosine needs embeddings/);
  });
});
