"""Made-up but realistic text and tags for generated posts (``manage.py seed --posts N``).

Words and tags follow a long-tail (Zipf-like) distribution, as in real writing and real
tagging: a few are everywhere, most are rare. That is what ``q`` and ``?tag=`` meet in
production, so the benchmark measures them on this rather than on uniform noise.
"""

import random

# Common English words first (the head of the distribution), topic words after (the tail).
VOCABULARY = """
the of and to in is it that for you was with on as have but be they at one this from
not what all were when we there can an your which their said if do will each about how
up out them then she many some so these would other into has more her two like him see
time could no make than first been its who now people my made over did down only way
find use may water long little very after words called just where most know get through
back much before go good new write our used me man too any day same right look think also
around another came come work three word must because does part even place well such here
take why things help put years different away again off went old number great tell men
say small every found still between name should home big give air line set own under read
last never us left end along while might next sound below saw something thought both few
those always looked show large often together asked house world going want school important
until form food keep children feet land side without boy once animals life enough took
django python postgres database index query server client request response token cache
admin search blog post page author editor draft schedule publish release feature test
bug deploy docker container cluster replica backup migration schema model view template
form field filter order cursor queue worker event webhook feed tag slug excerpt headline
performance latency throughput memory disk network proxy nginx redis kernel thread process
coffee travel lisbon tokyo berlin music guitar piano book novel garden bread sourdough
mountain river ocean bicycle camera photograph recipe kitchen market festival winter summer
""".split()  # noqa: SIM905 - 300 quoted literals would read worse

# Real blog tags first; combinations after them make the long tail.
_HEAD_TAGS = """
django python postgresql api rest testing security performance devops docker kubernetes
javascript react css html caching redis linux git career travel food music books photography
design databases search tutorial opinion news release howto architecture cloud aws
observability logging monitoring backend frontend mobile accessibility writing productivity
""".split()  # noqa: SIM905
_TAIL_WORDS = ["async", "legacy", "modern", "small", "fast", "secure", "weekend", "remote", "open", "tiny"]
TAG_NAMES = _HEAD_TAGS + [f"{word} {tag}" for word in _TAIL_WORDS for tag in _HEAD_TAGS][: 200 - len(_HEAD_TAGS)]


def zipf_choices(rng: random.Random, population: list[str], count: int) -> list[str]:
    weights = [1 / rank for rank in range(1, len(population) + 1)]
    return rng.choices(population, weights=weights, k=count)


def paragraphs(count: int, seed: int = 42) -> list[str]:
    """``count`` paragraphs of 50 to 70 words (about 350 characters), reproducibly."""
    rng = random.Random(seed)  # noqa: S311 - sample text, not secrets
    result = []
    for _ in range(count):
        sentences = []
        for _ in range(rng.randint(4, 6)):
            words = zipf_choices(rng, VOCABULARY, rng.randint(9, 15))
            sentences.append(" ".join(words).capitalize() + ".")
        result.append(" ".join(sentences))
    return result
