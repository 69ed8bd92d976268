"""The utterance store on Chroma (`ChromaStore`); the only package that imports chromadb."""

from .clients import EPISODES, UTTERANCES
from .store import ChromaStore

__all__ = ["EPISODES", "UTTERANCES", "ChromaStore"]
