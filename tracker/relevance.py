"""What counts as an AI-copyright matter: the rules every spider's searches and filters share.

A source search casts a wide net (nature of suit "Copyright", AI developers as parties, AI terms);
``is_relevant`` then keeps only what names an AI developer or an AI term, so an ordinary
copyright suit between two publishers is not tracked. Matters on the curated watchlist are kept
whatever these rules say. The queries use CourtListener's search syntax (the website's `q`);
check them against the live API when the rules change.
"""

import re

# Parties whose presence makes a copyright, publicity or privacy suit an AI suit.
AI_DEVELOPERS = (
    "OpenAI", "Anthropic", "Stability AI", "Midjourney", "Meta Platforms", "Google", "Alphabet",
    "Microsoft", "NVIDIA", "Perplexity", "Cohere", "Suno", "Uncharted Labs", "Udio", "DeviantArt",
    "Runway AI", "GitHub", "ROSS Intelligence", "Lovo", "MiniMax", "Apple", "xAI",
    "Character Technologies", "ElevenLabs", "Databricks", "Mosaic ML", "Bloomberg", "Eleuther",
)
# Words that make a suit, a bill or a statement about AI.
AI_TERMS = (
    "artificial intelligence", "generative ai", "large language model", "machine learning",
    "training data", "chatbot", "chatgpt", "stable diffusion", "llama", "deepfake",
    "voice clone", "voice cloning", "digital replica", "synthetic performer", "ai-generated",
    "text and data mining",
)

# Words that make an AI matter a copyright, likeness or authorship matter (for agency documents
# and bills, which talk about AI in every field).
IP_TERMS = (
    "copyright", "intellectual property", "likeness", "digital replica", "voice", "publicity",
    "training data", "authorship", "inventorship", "deepfake", "fair use", "licensing",
    "creative works", "performers", "artists",
)

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

_DEVELOPER_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(name) for name in AI_DEVELOPERS) + r")\b", re.IGNORECASE)
_TERM_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(term) for term in AI_TERMS) + r")\b", re.IGNORECASE)


def names_ai_developer(text: str) -> bool:
    return bool(_DEVELOPER_PATTERN.search(text))


# "AI" in capitals ("AI-Assisted Inventions", "AI Act"); lower-case "ai" is too often a name.
_AI_ACRONYM = re.compile(r"\bAI\b")


def mentions_ai(text: str) -> bool:
    return bool(_TERM_PATTERN.search(text) or _AI_ACRONYM.search(text))


# Bills about likeness are about AI even when their titles do not say so ("To protect ... the
# voice and visual likeness of individuals"): the NO FAKES family.
_LIKENESS_PATTERN = re.compile(
    r"\b(?:digital replicas?|likeness|deepfakes?|digital forger(?:y|ies)|voice clon\w*|"
    r"synthetic performers?)\b", re.IGNORECASE)
_IP_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(term) for term in IP_TERMS) + r")\b", re.IGNORECASE)


def is_ai_copyright(*texts: str) -> bool:
    """Whether these texts (a title, an abstract) are about AI *and* copyright, likeness or
    authorship: the test for agency documents and bills."""
    joined = " ".join(t for t in texts if t)
    return mentions_ai(joined) and bool(_IP_PATTERN.search(joined))


def is_relevant_bill(*texts: str) -> bool:
    """A bill is tracked when it is about AI and copyright or likeness, or about likeness and
    replicas at all."""
    joined = " ".join(t for t in texts if t)
    return is_ai_copyright(joined) or bool(_LIKENESS_PATTERN.search(joined))


def is_relevant(*texts: str) -> bool:
    """Whether any of these texts (a case name, party names, docket text) names an AI
    developer or an AI term."""
    return any(names_ai_developer(t) or mentions_ai(t) for t in texts if t)
