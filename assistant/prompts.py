"""Prompt templates live as files in `prompts/`; `$name` placeholders are filled here."""

from __future__ import annotations

from pathlib import Path
from string import Template

from .errors import ConfigError


def load_prompt(prompts_dir: Path, name: str, **values: str) -> str:
    path = prompts_dir / f"{name}.md"
    try:
        template = Template(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"prompt template {path} cannot be read ({exc.strerror}); set ASSISTANT_PROMPTS_DIR"
        ) from None
    try:
        return template.substitute(values).strip()
    except KeyError as exc:
        raise ConfigError(f"prompt template {path} needs a value for ${exc.args[0]}") from None
