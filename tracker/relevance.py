"""What counts as an AI-copyright matter: rules a person can read, and change in the config.

A source search casts a wide net (nature of suit "Copyright", AI developers as parties, AI
terms); the rules then decide what is kept, and say why:

- a **suit** is kept when it names an AI developer or an AI term (an ordinary copyright suit
  between two publishers is not tracked);
- an **agency document** when it is about AI *and* copyright, likeness or authorship (an FTC
  rule on AI-written reviews is not);
- a **bill** likewise, or when it is about likeness and digital replicas at all (the NO FAKES
  family's titles rarely say "AI");
- a **statement** by a guild, coalition or office when it is about AI *and* creators' rights
  (copyright, consent, likeness, licensing, performers...): a copyright notice with no AI in
  it, or an AI item with no rights angle, is not. The makers of AI models (OpenAI, Anthropic,
  Midjourney, Suno...) count as AI words here: "the settlement in Bartz v. Anthropic" is about AI.

Any text that holds an exclusion is never kept. Each match records its rule and the words that
made it (the case's ``why_tracked``) and the creators' topics it touches (the case's tags).
Matters on the curated watchlist are kept whatever the rules say. Every word list is a setting
(``[relevance]`` in the TOML file); the defaults are below. The search queries themselves stay
here: they are strategy for each API, written in its own syntax.
"""

import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

AI_DEVELOPERS = (
    "OpenAI", "Anthropic", "Stability AI", "Midjourney", "Meta Platforms", "Google", "Alphabet",
    "Microsoft", "NVIDIA", "Perplexity", "Cohere", "Suno", "Uncharted Labs", "Udio", "DeviantArt",
    "Runway AI", "GitHub", "ROSS Intelligence", "Lovo", "MiniMax", "Apple", "xAI",
    "Character Technologies", "ElevenLabs", "Databricks", "Mosaic ML", "Bloomberg", "Eleuther",
)
# For statements, the developers whose names alone say "AI" (not Google or Apple, which say more).
AI_MODEL_MAKERS = (
    "OpenAI", "Anthropic", "Midjourney", "Stability AI", "Suno", "Udio", "Perplexity", "Llama",
    "Runway AI", "ElevenLabs", "Character.AI", "xAI", "Mistral AI", "Cohere", "DeepSeek",
)
AI_TERMS = (
    "artificial intelligence", "generative ai", "large language model", "machine learning",
    "training data", "chatbot", "chatgpt", "stable diffusion", "llama", "deepfake",
    "voice clone", "voice cloning", "digital replica", "synthetic performer", "ai-generated",
    "text and data mining",
)
IP_TERMS = (
    "copyright", "copyrights", "copyrighted", "intellectual property", "likeness",
    "digital replica", "voice", "publicity", "training data", "authorship", "inventorship",
    "deepfake", "fair use", "licensing", "creative works", "performers", "artists",
)
# What creators' statements say about their rights: the IP terms and the words of consent.
RIGHTS_TERMS = IP_TERMS + (
    "consent", "compensation", "replica", "replicas", "license", "licensed", "no fakes",
    "synthetic performer", "synthetic performers", "performer", "rightsholder", "rightsholders",
    "rights holder", "rights holders",
)
LIKENESS_TERMS = (
    "digital replica", "digital replicas", "likeness", "deepfake", "deepfakes",
    "digital forgery", "digital forgeries", "voice clone", "voice cloning", "synthetic performer",
    "synthetic performers",
)
# The creators' priorities, as topic tags and the words that signal them.
TOPICS = {
    "training-data": ["training data", "train", "trained", "training", "text and data mining"],
    "transparency": ["transparency", "disclose", "disclosure", "documentation", "subpoena"],
    "output-infringement": ["output", "outputs", "regurgitat", "memoriz", "reproduc"],
    "dmca-1202": ["1202", "copyright management information", "dmca"],
    "likeness": ["likeness", "voice", "digital replica", "right of publicity", "persona"],
    "deepfakes": ["deepfake", "digital forger", "intimate"],
    "ai-authorship": ["authorship", "copyrightab", "inventorship", "registration"],
    "labour": ["performer", "union", "collective bargaining", "employment", "worker"],
}


class RelevanceSettings(BaseModel):
    """The ``[relevance]`` table of the configuration file."""

    ai_developers: list[str] = Field(default_factory=lambda: list(AI_DEVELOPERS))
    ai_model_makers: list[str] = Field(default_factory=lambda: list(AI_MODEL_MAKERS),
                                       description="Names that count as AI words in statements")
    ai_terms: list[str] = Field(default_factory=lambda: list(AI_TERMS))
    ip_terms: list[str] = Field(default_factory=lambda: list(IP_TERMS))
    likeness_terms: list[str] = Field(default_factory=lambda: list(LIKENESS_TERMS))
    rights_terms: list[str] = Field(default_factory=lambda: list(RIGHTS_TERMS))
    exclusions: list[str] = Field(default_factory=list,
                                  description="Words that keep a text out, whatever else it says")
    topics: dict[str, list[str]] = Field(default_factory=lambda: {k: list(v) for k, v in TOPICS.items()})


@dataclass(frozen=True)
class Match:
    rule: str
    words: tuple[str, ...]
    tags: tuple[str, ...]

    def why(self) -> str:
        """``Kept by the rule "AI and copyright": "generative AI", "copyright".``"""
        return f'Kept by the rule "{self.rule}": ' + ", ".join(f'"{w}"' for w in self.words) + "."


def tracked_fields(match: Match | None, *, curated: bool) -> dict:
    """``why_tracked`` and ``tags`` for a case a rule kept; none for a curated case, whose own
    reasons and tags stay."""
    if match is None or curated:
        return {}
    return {"why_tracked": match.why(), "tags": list(match.tags)}


def _words(terms: list[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")\b", re.IGNORECASE)


# "AI" in capitals ("AI-Assisted Inventions", "AI Act"); lower-case "ai" is too often a name.
AI_ACRONYM = re.compile(r"\bAI\b")


class Rules:
    """The relevance rules in force, compiled once per crawl."""

    def __init__(self, settings: RelevanceSettings | dict | None = None):
        """:param settings: the ``[relevance]`` table (a dict) or settings; defaults when empty"""
        if not isinstance(settings, RelevanceSettings):
            settings = RelevanceSettings.model_validate(settings or {})
        self.developers = _words(settings.ai_developers)
        self.model_makers = _words(settings.ai_model_makers)
        self.ai = _words(settings.ai_terms)
        self.ip = _words(settings.ip_terms)
        self.likeness = _words(settings.likeness_terms)
        self.rights = _words(settings.rights_terms)
        self.exclusions = _words(settings.exclusions)
        # Topic words match at the start of a word: "memoriz" finds "memorized".
        self.topics = {tag: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")",
                                       re.IGNORECASE)
                       for tag, words in settings.topics.items() if words}

    @staticmethod
    def _found(pattern: re.Pattern[str] | None, text: str) -> list[str]:
        """The words of ``pattern`` in ``text``, each once, as first written."""
        found: dict[str, str] = {}
        for m in pattern.finditer(text) if pattern else ():
            found.setdefault(m.group(0).lower(), m.group(0))
        return list(found.values())

    def _ai_words(self, text: str) -> list[str]:
        return self._found(self.ai, text) + self._found(AI_ACRONYM, text)

    def _match(self, rule: str, words: list[str], text: str) -> Match:
        tags = tuple(tag for tag, pattern in self.topics.items() if pattern.search(text))
        unique: dict[str, str] = {}
        for word in words:  # each word once, as first written
            unique.setdefault(word.lower(), word)
        return Match(rule, tuple(unique.values())[:6], tags)

    def _usable(self, texts: tuple[str, ...]) -> str | None:
        text = " ".join(t for t in texts if t)
        if self.exclusions and self.exclusions.search(text):
            return None
        return text

    def touches(self, *texts: str) -> bool:
        """Whether a text so much as mentions AI, copyright or likeness: worth a closer look."""
        text = self._usable(texts)
        return bool(text) and bool(self._ai_words(text) or self._found(self.ip, text)
                                   or self._found(self.likeness, text))

    def suit(self, *texts: str) -> Match | None:
        """A suit: kept when it names an AI developer or an AI term."""
        text = self._usable(texts)
        if text is None:
            return None
        if developers := self._found(self.developers, text):
            return self._match("AI developer as a party", developers, text)
        if terms := self._ai_words(text):
            return self._match("AI term", terms, text)
        return None

    def document(self, *texts: str) -> Match | None:
        """An agency document: kept when it is about AI and copyright, likeness or authorship."""
        text = self._usable(texts)
        if text is None:
            return None
        ai, ip = self._ai_words(text), self._found(self.ip, text)
        return self._match("AI and copyright or likeness", ai + ip, text) if ai and ip else None

    def bill(self, *texts: str) -> Match | None:
        """A bill: AI and copyright or likeness, or likeness and digital replicas at all."""
        text = self._usable(texts)
        if text is None:
            return None
        if match := self.document(text):
            return match
        if likeness := self._found(self.likeness, text):
            return self._match("likeness and digital replicas", likeness, text)
        return None

    def statement(self, *texts: str) -> Match | None:
        """A guild's or an office's statement: kept when it is about AI and creators' rights."""
        text = self._usable(texts)
        if text is None:
            return None
        ai = self._ai_words(text) + self._found(self.model_makers, text)
        rights = self._found(self.rights, text)
        return self._match("AI and creators' rights", ai + rights, text) if ai and rights else None


# Federal Register searches: full-text terms, and AI documents of the agencies that matter.
FEDERAL_REGISTER_TERMS = ('"artificial intelligence" copyright', '"digital replica"',
                          '"generative AI"', '"AI-generated"')
FEDERAL_REGISTER_AGENCIES = ("copyright-office-library-of-congress", "patent-and-trademark-office",
                             "federal-trade-commission", "executive-office-of-the-president")

# Open States full-text queries (Postgres websearch syntax: quoted phrases, OR, -term).
OPENSTATES_QUERIES = (
    '"digital replica"',
    '"artificial intelligence" copyright',
    '"artificial intelligence" "right of publicity"',
    '"artificial intelligence" "training data"',
    'deepfake likeness',
)

COURTLISTENER_QUERIES = (
    # Nature of suit 820 (Copyright) naming an AI developer or an AI term.
    'suitNature:Copyright AND party:(' + " OR ".join(f'"{name}"' for name in AI_DEVELOPERS) + ")",
    'suitNature:Copyright AND ("artificial intelligence" OR "generative AI" OR '
    '"large language model" OR "training data")',
    # Right of publicity and voice: the likeness suits (Lehrman v. Lovo).
    '("right of publicity" OR "voice clone" OR "digital replica") AND '
    '("artificial intelligence" OR "AI")',
)
