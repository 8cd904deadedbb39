"""Test support: a tiny, randomly initialised sentence-transformers model, built offline, for tests and benchmarks."""

from __future__ import annotations

import contextlib
import pathlib
import tempfile
from collections.abc import Iterator

_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_MAX_SEQ_LENGTH = 256


def _train_vocab(texts: list[str], vocab_size: int) -> dict[str, int]:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    # No lowercasing or accent stripping: stripping would drop Japanese dakuten (ブ -> フ).
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    # The trainer numbers "##" continuation pieces in hash-map order, so tied merges would differ from
    # run to run; listing them up front in sorted order pins their ids and makes training reproducible.
    continuations = {
        "##" + char
        for text in texts
        for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(tokenizer.normalizer.normalize_str(text))
        for char in word[1:]
    }
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=_SPECIAL_TOKENS + sorted(continuations),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer.get_vocab()


@contextlib.contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    from transformers.utils import logging as hf_logging

    # The save/load round trip below would otherwise print tqdm bars on every build.
    were_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if were_enabled:
            hf_logging.enable_progress_bar()


def build_tiny_model(texts: list[str], folder: pathlib.Path, *, dim: int = 32, seed: int = 0) -> pathlib.Path:
    """Save a tiny random BERT sentence encoder, with a WordPiece vocabulary trained on `texts`, to `folder`.

    Embeddings are `dim`-dimensional and unit-length; the same `texts`, `dim` and `seed` give the same model.
    Its vectors mean nothing, but it goes through the same loading and encoding code as a user's model, at a
    fraction of the cost; it needs the dense extra (torch, sentence-transformers).
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    tokenizer = BertTokenizer(
        vocab=_train_vocab(texts, vocab_size=2000),
        do_lower_case=False,
        strip_accents=False,
        tokenize_chinese_chars=True,
        model_max_length=_MAX_SEQ_LENGTH,
    )
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=dim,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=2 * dim,
        max_position_embeddings=_MAX_SEQ_LENGTH,
        pad_token_id=tokenizer.pad_token_id,
    )
    # A private RNG stream keeps the weights reproducible without disturbing the caller's torch seed.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        bert = BertModel(config)

    with tempfile.TemporaryDirectory() as bert_dir, _quiet_progress_bars():
        bert.save_pretrained(bert_dir)
        tokenizer.save_pretrained(bert_dir)
        transformer = Transformer(bert_dir, max_seq_length=_MAX_SEQ_LENGTH)
        pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling, Normalize()], device="cpu")
        # Writing the model card would query the Hub for the base model, which is a temporary folder here.
        model.save(str(folder), create_model_card=False)
    return folder
