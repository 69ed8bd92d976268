"""An episode's facts as a record of its own, so "Who is the host?" is searched and cited like a line."""

from __future__ import annotations

from ..types import DETAILS, Episode, Utterance, format_time


def details_utterance(episode: Episode) -> Utterance:
    """Show, title, host, guests, date, duration and link, in words a question about them would use."""
    parts = [f"Episode details. Title of the episode: {episode.title}."]
    if episode.show:
        parts.append(f"Show (podcast): {episode.show}.")
    if episode.host:
        parts.append(f"Host of the show: {episode.host}.")
    if episode.guests:
        parts.append(
            f"Guest{'s' if len(episode.guests) > 1 else ''} on this episode: {', '.join(episode.guests)}."
        )
    speakers = [s for s in episode.speakers if s != episode.host and s not in episode.guests]
    if speakers:
        parts.append(f"Speakers: {', '.join(speakers)}.")
    if episode.date:
        parts.append(f"Date: {episode.date}.")
    if episode.duration:
        parts.append(f"Duration: {format_time(episode.duration)}.")
    if episode.source_url:
        parts.append(f"Source: {episode.source_url}")
    if episode.heading:
        heading = " · ".join(episode.heading)
        parts.append(f"Heading of the transcript file: {heading}{'' if heading[-1] in '.!?' else '.'}")
    return Utterance(episode_id=episode.id, number=DETAILS, text=" ".join(parts))
