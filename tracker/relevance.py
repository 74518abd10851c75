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


def mentions_ai(text: str) -> bool:
    return bool(_TERM_PATTERN.search(text))


def is_relevant(*texts: str) -> bool:
    """Whether any of these texts (a case name, party names, docket text) names an AI
    developer or an AI term."""
    return any(names_ai_developer(t) or mentions_ai(t) for t in texts if t)
