#!/usr/bin/env python3
"""Reference values for the text_similarity grader's metrics (src/engine/graders/text-similarity-metrics.ts).

Run by hand; CI does not (it has no Python). With the libraries installed in a throwaway venv:

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install nltk rapidfuzz regex
    /tmp/refvenv/bin/python scripts/reference-metrics.py > /tmp/reference-metrics.json

It prints JSON: the library versions, every (input, reference) pair with its expected scores, and
the stems of a word list. test/unit/engine/text-similarity-metrics.test.ts holds a copy of that output.

Where each value comes from:
- fuzzy_match: rapidfuzz.fuzz.ratio(input, reference) / 100.
- bleu:        nltk sentence_bleu([ref], hyp, smoothing_function=SmoothingFunction().method4).
- gleu:        nltk sentence_gleu([ref], hyp)  (min_len 1, max_len 4).
- meteor:      nltk meteor_score([ref], hyp) (alpha 0.9, beta 3, gamma 0.5, PorterStemmer() in its
               default NLTK_EXTENSIONS mode) with a WordNet that has no synsets: WordNet's data is
               not available offline, so the TypeScript side does exact and stem matching only.
- rouge_*:     NOT the rouge_score package (no wheel of it is available here) but a transcription,
               below, of its published algorithm: rouge_score/tokenize.py (no stemmer),
               rouge_scorer._score_ngrams, rouge_scorer._score_lcs and scoring.fmeasure.
- Tokens for bleu, gleu and meteor: WORD_OR_MARK below, the same pattern as in
  src/engine/graders/metrics/tokenize.ts.
"""

import json
import re
import sys
from collections import Counter
from importlib.metadata import version

import regex
from nltk.stem.porter import PorterStemmer
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from nltk.translate.gleu_score import sentence_gleu
from nltk.translate.meteor_score import meteor_score
from rapidfuzz import fuzz

WORD_OR_MARK = regex.compile(r"[\p{L}\p{M}\p{N}]+|[\p{P}\p{S}]")


def word_tokens(text):
    return WORD_OR_MARK.findall(text)


class NoWordNet:
    """Stands in for nltk.corpus.wordnet: no word has synonyms."""

    def synsets(self, _word):
        return []


# --- ROUGE, transcribed from Google's rouge_score (RougeScorer(..., use_stemmer=False)) ---------


def rouge_tokens(text):
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return [token for token in re.split(r"\s+", text) if re.match(r"^[a-z0-9]+$", token)]


def rouge_fmeasure(precision, recall):
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def rouge_n(target, prediction, n):
    def ngrams(tokens):
        return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))

    target_ngrams = ngrams(rouge_tokens(target))
    prediction_ngrams = ngrams(rouge_tokens(prediction))
    overlap = sum(min(count, prediction_ngrams[gram]) for gram, count in target_ngrams.items())
    precision = overlap / max(sum(prediction_ngrams.values()), 1)
    recall = overlap / max(sum(target_ngrams.values()), 1)
    return rouge_fmeasure(precision, recall)


def rouge_l(target, prediction):
    target_tokens = rouge_tokens(target)
    prediction_tokens = rouge_tokens(prediction)
    if not target_tokens or not prediction_tokens:
        return 0.0
    table = [[0] * (len(prediction_tokens) + 1) for _ in range(len(target_tokens) + 1)]
    for i in range(1, len(target_tokens) + 1):
        for j in range(1, len(prediction_tokens) + 1):
            if target_tokens[i - 1] == prediction_tokens[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    lcs = table[-1][-1]
    return rouge_fmeasure(lcs / len(prediction_tokens), lcs / len(target_tokens))


# --- all metrics for one pair --------------------------------------------------------------------


def scores(input_text, reference):
    hypothesis = word_tokens(input_text)
    references = [word_tokens(reference)]
    result = {
        "fuzzy_match": fuzz.ratio(input_text, reference) / 100,
        "bleu": float(
            sentence_bleu(references, hypothesis, smoothing_function=SmoothingFunction().method4)
        ),
        "gleu": sentence_gleu(references, hypothesis),
        "meteor": meteor_score(references, hypothesis, wordnet=NoWordNet()),
    }
    for n in range(1, 6):
        result[f"rouge_{n}"] = rouge_n(reference, input_text, n)
    result["rouge_l"] = rouge_l(reference, input_text)
    return result


def long_text(seed, words, vocabulary):
    """Deterministic pseudo-random text (a linear congruential generator), for long inputs."""
    state = seed
    out = []
    for _ in range(words):
        state = (state * 1103515245 + 12345) % 2**31
        out.append(vocabulary[state % len(vocabulary)])
    return " ".join(out)


VOCABULARY = (
    "the a of and to in is was for on that with as by it at from be this which or an are were "
    "model answer question reference output score metric grader test item run eval pass fail "
    "running runs runner quickly quick generate generated generation happily happiness"
).split()

PARAGRAPH = (
    "Evaluation of generated text is hard: n-gram metrics such as BLEU and ROUGE reward overlap "
    "with a reference, METEOR adds stems and synonyms, and edit distances compare characters. "
    "None of them understands meaning, so a gate built on them should use generous thresholds "
    "and references written the way the model is expected to answer."
)

PARAPHRASE = (
    "Evaluating generated texts is difficult; n-gram scores like BLEU or ROUGE reward overlapping "
    "with references, while METEOR also matches stems (and synonyms), and edit distance compares "
    "the characters. No metric understands meaning, so gates built on these need generous "
    "thresholds, with references phrased as the model should answer."
)

PAIRS = [
    # identical
    ("The cat sat on the mat.", "The cat sat on the mat."),
    ("yes", "yes"),
    # disjoint
    ("apples and oranges", "quantum chromodynamics rules"),
    ("yes", "no"),
    # partial overlap
    ("The quick brown fox jumps over the lazy dog", "A quick brown dog jumps over the lazy fox"),
    ("New York", "New Jersey"),
    ("he read the book because he was interested in world history",
     "he was interested in world history because he read the book"),
    ("the cat sat on the mat", "on the mat the cat sat"),
    # different lengths, both ways
    ("Paris", "The capital of France is Paris."),
    ("The capital of France is Paris, a city of light and culture.", "Paris"),
    ("The answer is 42.", "42"),
    # punctuation and case
    ("HELLO, WORLD!!!", "hello world"),
    ("Good Morning", "good morning"),
    ("Don't do that", "Do not do that"),
    ("line one\nline two\tend", "line one line two end"),
    ("e-mail: user@example.com (2024-05-01)", "email user at example dot com on 2024 05 01"),
    # unicode
    ("Café naïve façade — déjà vu", "cafe naive facade deja vu"),
    ("東京は日本の首都です", "日本の首都は東京です"),
    ("I love it 😀👍", "I love it 👍"),
    ("𝐚𝐛𝐜 𝐝𝐞𝐟 ok", "𝐚𝐛𝐜 xyz ok"),
    ("İstanbul is 5 K away", "istanbul is 5 k away"),
    ("cafe\u0301 au lait", "café au lait"),
    ("cafe\u0301 au lait", "cafe au lait"),
    ("नमस्ते दुनिया, नमस्ते", "नमस्ते दोस्त"),
    ("ΟΔΟΣ ΚΑΙ ΟΔΟΣ", "οδος και οδός"),
    # stems
    ("The runners were running quickly to the finishing lines",
     "A runner runs quick to finish the line"),
    ("generously generalized generations", "generous general generation"),
    # repeated words
    ("the the the the the the the", "the cat is on the mat"),
    ("buffalo buffalo buffalo", "buffalo"),
    ("a b a b a b", "b a b a"),
    # empty and blank
    ("", ""),
    ("", "something"),
    ("something", ""),
    ("   ", ""),
    ("!!!", "?"),
    # near-duplicates with typos
    ("recieve the pakage tommorow", "receive the package tomorrow"),
    # long texts
    (PARAGRAPH, PARAPHRASE),
    (long_text(7, 300, VOCABULARY), long_text(11, 280, VOCABULARY)),
    (long_text(3, 120, VOCABULARY), long_text(3, 120, VOCABULARY) + " and one more answer"),
]

# Words for the Porter stemmer: the examples of Porter's paper and NLTK's docstrings (one or more
# per rule), NLTK's irregular forms and extensions, and edge cases (short words, runs of 'y',
# characters outside the BMP).
STEM_WORDS = (
    "caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled "
    "sized hopping tanned falling hissing fizzed failing filing happy sky relational conditional "
    "rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli "
    "vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti "
    "sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful goodness "
    "revival allowance inference airliner gyroscopic adjustable defensible irritant replacement "
    "adjustment dependent adoption homologou communism activate angulariti homologous effective "
    "bowdlerize probate rate cease controll roll skies dying lying tying news innings inning outings "
    "cannings howe proceed exceed succeed flies dies spied died cries enjoy enjoyment spy fly try "
    "generously geology archaeology theology hopefully fully beautifully y by yy yyy yyyy syzygy toy "
    "ivy trees troubles private oaten orrery a is as us bus agrees tree generalization oscillators "
    "running runner runs quickly finishing lines generations generalized generous general "
    "meeting meetings stated station nationalities abilities possibly pleasantly reasonable "
    "conditioning happiness happier happiest flying played playing plays crying hoping hopped "
    "bowling filled ringing sizing hating hated bating hissed fizzing wading sliding pirate "
    "mississippi abates bringing xyzzy colonel archaeologies lieutenant thinking hazards "
    "café naïve façade déjà 東京 a𝐛𝐛ed 𝐚𝐛𝐜ing ponie𝐬 𝐱"
).split()


def main():
    output = {
        "source": "scripts/reference-metrics.py",
        "versions": {name: version(name) for name in ("nltk", "rapidfuzz", "regex")},
        "pairs": [
            {"input": input_text, "reference": reference, "scores": scores(input_text, reference)}
            for input_text, reference in PAIRS
        ],
        "stems": {word: PorterStemmer().stem(word) for word in STEM_WORDS},
    }
    json.dump(output, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
