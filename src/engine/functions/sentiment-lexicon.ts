/**
 * Weir's sentiment lexicon, written for Weir (not taken from AFINN, VADER or any other list):
 * about 490 common English words, emoticons and emoji, each scored from -3 (very negative) to +3
 * (very positive) by the Weir authors, plus the negators and intensifiers `sentiment()` reads.
 * Words are lower case; `sentiment()` also tries a few suffix-stripped forms of a word it does
 * not find (`loved` → `love`, `happily` → `happy`), so most inflections are left out here.
 *
 * The scale, roughly: ±1 mild or context-dependent (`decent`, `slow`), ±2 clear (`good`, `bad`),
 * ±3 strong (`excellent`, `terrible`). Words whose sentiment depends on use too much to score
 * (`pretty`, `cheap`, `hard`, `well`) are left out on purpose; `like` is kept at +1, since in
 * reviews and posts it is more often a verb ("I don't like it") than a preposition.
 */

/** Words by score, separated by spaces. */
const WORDS_BY_SCORE: Readonly<Record<number, string>> = {
  3: `excellent amazing awesome outstanding superb fantastic wonderful brilliant perfect love adore
      incredible magnificent exceptional phenomenal marvelous marvellous spectacular delighted thrilled
      ecstatic masterpiece flawless best stunning breathtaking terrific glorious sublime blissful euphoric
      overjoyed exquisite fabulous gorgeous delicious joy joyful delight delightful genius legendary
      woohoo beloved`,
  2: `good great nice happy glad pleased enjoy enjoyable liked beautiful fun helpful recommend satisfied
      impressive impressed comfortable reliable friendly kind smooth elegant charming exciting excited
      favorite favourite grateful thankful thanks thank congrats congratulations win won winner success
      successful worthwhile valuable useful effective efficient convenient tasty yummy cute sweet cheerful
      hopeful proud positive benefit beneficial improved improvement bargain accurate resolved responsive
      intuitive seamless polished superior pleasant relaxing peaceful honest trustworthy supportive
      admire appreciate bravo yay wow hooray smile fascinating inspiring inspired clever epic satisfying
      rewarding generous polite courteous welcoming durable brave wise lucky fortunate blessed healthy
      celebrate celebration festive promising gracious thoughtful caring
      refreshing remarkable admirable`,
  1: `like cool decent solid worth easy fresh clean warm hope improve upgrade affordable safe secure stable
      correct fixed works professional premium relaxed calm fair trust likes lol haha cheers laugh
      interesting creative smart better fine patient prompt quick speedy fast sturdy robust powerful strong
      recover recovered handy neat reasonable acceptable okay ok`,
  [-1]: `wrong problem issue bug slow lag expensive bored dull mediocre meh unfortunately unfortunate sorry
      confusing confused complicated difficult ill tired stress nervous alone worry risk risky missing lost
      lose losing late delayed delay refund complain complained awkward weird messy damn jealous envy
      cancelled canceled error weak shocked vulnerable noisy bland glitch outdated obsolete
      concern concerned mistake`,
  [-2]: `bad poor sad angry upset annoyed annoying disappointed disappointing disappointment frustrated
      frustrating broken fail failed failure buggy crash crashed laggy overpriced ugly boring worse unhappy
      regret waste wasted rude unhelpful unreliable painful pain hurt sick exhausted stressed stressful
      anxious anxiety worried fear afraid scared scary lonely depressing depression cry crying cried mad
      hostile aggressive dangerous danger threat threatening damage damaged defective faulty loss complaint
      flimsy shoddy sloppy lazy stupid dumb ridiculous absurd nonsense lie lies lied misleading dishonest
      unfair guilty shame embarrassing embarrassed mess dirty smelly stinks suck sucked lame ugh argh yuck
      ew eww gross poorly badly sadly greedy selfish arrogant annoyance irritating irritated inconvenient
      inconvenience outage freezes froze stuck rejected denied banned blame blamed pointless hopeless
      helpless fake counterfeit spam virus hacked breach stolen steal theft
      inferior upsetting shocking panic chaos chaotic problematic unstable insecure unsafe
      stale soggy overcooked undercooked burnt tasteless lousy subpar junk flawed glitchy clunky
      frustration dislike unpleasant uncomfortable unsatisfied dissatisfied unimpressed regrettable wtf
      garbage trash useless toxic kill killed dead death die broke worthless`,
  [-3]: `terrible horrible awful worst hate disgusting atrocious abysmal appalling dreadful horrendous
      pathetic furious outrage outraged outrageous disaster disastrous catastrophic catastrophe nightmare
      scam fraud abuse abusive vile despise loathe miserable devastated heartbroken horrific racist hideous
      unbearable evil cruel terrified depressed unusable unacceptable violent violence ripoff incompetent
      idiot liar shameful sucks crap crappy nasty hatred malware bankrupt tragic tragedy grief disgusted
      disgust rage inedible horrid fml`,
};

/** Emoticons (matched only between spaces, punctuation or the ends of the text) and emoji. */
const SYMBOLS: Readonly<Record<string, number>> = {
  ":)": 2, ":-)": 2, "(:": 2, ":]": 2, "=)": 2, ":d": 2, ":-d": 2, "xd": 2, ";)": 1, ";-)": 1, ":p": 1, ":-p": 1, "<3": 3,
  ":(": -2, ":-(": -2, "):": -2, ":[": -2, "=(": -2, ":'(": -2, ":/": -1, ":-/": -1, ">:(": -3, "</3": -3,
  "👍": 2, "👎": -2, "❤": 3, "💕": 3, "😍": 3, "🥰": 3, "😀": 2, "😃": 2, "😄": 2, "😁": 2, "😊": 2, "🙂": 1,
  "😂": 2, "🤣": 2, "😉": 1, "🎉": 2, "🙌": 2, "👏": 2, "💯": 2, "⭐": 1, "🌟": 2, "✅": 1,
  "😢": -2, "😭": -3, "😞": -2, "😔": -2, "🙁": -1, "☹": -2, "😒": -2, "😠": -3, "😡": -3, "🤬": -3,
  "💩": -2, "😤": -2, "🤮": -3, "😱": -2, "😩": -2, "😫": -2, "❌": -1, "💔": -3,
};

/** Words that flip the sentiment of the next scored word (as do words ending in "n't"). */
export const NEGATORS: ReadonlySet<string> = new Set(
  `not no never none nobody nothing neither nor without cannot cant dont doesnt didnt isnt wasnt arent
   werent wont wouldnt shouldnt couldnt aint havent hasnt hadnt`.split(/\s+/),
);

/** Words that scale the next scored word: above 1 intensify, below 1 soften. */
export const INTENSIFIERS: ReadonlyMap<string, number> = new Map([
  ...["extremely", "incredibly", "utterly", "exceptionally", "insanely"].map((w): [string, number] => [w, 1.8]),
  ...["absolutely", "remarkably", "ridiculously"].map((w): [string, number] => [w, 1.6]),
  ...["very", "super", "totally", "completely", "highly", "deeply"].map((w): [string, number] => [w, 1.5]),
  ...["really", "so", "truly", "seriously"].map((w): [string, number] => [w, 1.4]),
  ...["especially", "particularly", "most", "too"].map((w): [string, number] => [w, 1.3]),
  ...["quite"].map((w): [string, number] => [w, 1.2]),
  ...["fairly", "rather"].map((w): [string, number] => [w, 0.8]),
  ...["somewhat", "kinda", "sorta", "mildly"].map((w): [string, number] => [w, 0.6]),
  ...["slightly", "marginally"].map((w): [string, number] => [w, 0.5]),
  ...["barely"].map((w): [string, number] => [w, 0.4]),
]);

function build(): ReadonlyMap<string, number> {
  const m = new Map<string, number>();
  for (const [score, words] of Object.entries(WORDS_BY_SCORE)) {
    for (const w of words.split(/\s+/)) if (w !== "") m.set(w, Number(score));
  }
  return m;
}

/** Word → score (-3..+3). */
export const LEXICON: ReadonlyMap<string, number> = build();

/** Emoticon (lower case) or emoji (without variation selectors) → score (-3..+3). */
export const SYMBOL_SCORES: ReadonlyMap<string, number> = new Map(Object.entries(SYMBOLS));
