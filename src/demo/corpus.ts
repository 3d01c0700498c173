/**
 * The demo's made-up feedback: sentence templates for two sources ("public posts" about a product
 * and "team chat" inside the company), each marked with the band `sentiment()` puts it in, and a
 * seeded picker that fills the `{slot}`s. The bands follow docs/engine.md's demo bands: below 0.3
 * "negative", above 0.9 "very positive", anything between "neutral". A test checks every template
 * with every filler against its band, so the mix the generators promise is the mix they send.
 */
import { mulberry32 } from "../util/random.js";

/** Where a line's sentiment score falls. */
export type Band = "negative" | "neutral" | "positive";

/** Templates of one source, by band. `{feature}`, `{person}`, `{place}` and `{n}` are filled in. */
export interface SourceCorpus {
  readonly negative: readonly string[];
  readonly neutral: readonly string[];
  readonly positive: readonly string[];
  /** Share of each band, summing to 1. */
  readonly mix: Readonly<Record<Band, number>>;
  /** Who posts. */
  readonly authors: readonly string[];
}

/** Words that fill the slots; none of them is in the sentiment lexicon, so they never move a score. */
export const SLOTS: Readonly<Record<string, readonly string[]>> = {
  feature: ["checkout", "search bar", "dark mode", "sync", "export", "mobile app", "dashboard", "login page", "billing page", "photo upload"],
  person: ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana"],
  place: ["Lisbon", "Osaka", "Toronto", "Nairobi", "Berlin", "Austin"],
  n: ["2", "3", "5", "10", "20", "45"],
};

/** Public posts about the product, as customers write them. */
export const PUBLIC_POSTS: SourceCorpus = {
  negative: [
    "The {feature} is broken again. Absolutely terrible.",
    "Worst update ever, the {feature} crashes every time :(",
    "I hate the new {feature}. Awful and useless.",
    "Waited {n} minutes for the {feature} to load. This is a disaster.",
    "Really disappointed. The {feature} lost my data twice!",
    "Horrible experience with support today, nobody answered for {n} days.",
    "The {feature} is so slow it is painful. Frustrating and annoying.",
    "Charged twice on the {feature}. Unacceptable 😡",
  ],
  neutral: [
    "Does anyone know if the {feature} works offline?",
    "Trying the {feature} for the first time today.",
    "Is the {feature} available in {place} yet?",
    "Switched my team of {n} to the new plan this week.",
    "The {feature} looks different after the update.",
    "Reading the release notes for the {feature}.",
    "How do I change the language of the {feature}?",
    "The {feature} is decent, a bit slow on my old phone.",
    "Not bad, the {feature} does what it says.",
    "Good start, but the {feature} still needs work.",
    "The {feature} is fine I guess.",
    "Our office in {place} uses the {feature} daily.",
    "The {feature} is a bit slow today.",
    "Not sure the new {feature} is worth it.",
  ],
  positive: [
    "Absolutely love the new {feature}!! Amazing work!",
    "The {feature} is brilliant, fast and beautiful. Best app ever!",
    "Wow, the {feature} is fantastic! Thank you so much!",
    "Incredible support from {person} today, truly outstanding and so helpful!",
    "The new {feature} is perfect. Love it, love it, love it!",
    "Best update this year, the {feature} is superb! 😍",
  ],
  mix: { negative: 0.25, neutral: 0.55, positive: 0.2 },
  authors: ["@maria_k", "@devon.r", "@li_wei", "@sam_builds", "@oksana", "@ravi_p", "@jo_and_co", "@tmurphy", "@nadia.h", "@pedro_s"],
};

/** Messages in the team's chat, as colleagues write them. */
export const TEAM_CHAT: SourceCorpus = {
  negative: [
    "The {feature} deploy failed again, this is a nightmare.",
    "Customers in {place} are furious about the {feature} outage. Terrible.",
    "Ugh, the {feature} tests are broken and the build is a mess. Awful day.",
    "Another angry complaint about the {feature}. Really bad.",
    "Production is down and the {feature} is failing. Horrible.",
    "I'm so frustrated with this {feature} bug, wasted {n} hours.",
  ],
  neutral: [
    "Standup in {n} minutes.",
    "{person}, can you review my pull request for the {feature}?",
    "Moving the {feature} meeting to Thursday.",
    "Who is on call this weekend?",
    "Deploying the {feature} to staging now.",
    "Lunch order for {place} office closes at noon.",
    "Notes from the {feature} planning are in the doc.",
    "The {feature} metrics look ok today.",
    "{person} is out until Monday.",
    "Please update the {feature} ticket when you can.",
    "Small issue with the {feature} in {place}, looking into it.",
  ],
  positive: [
    "Great job {person}!! The {feature} launch was amazing!",
    "Huge thanks to {person}, the {feature} fix is brilliant! 🎉",
    "Customers in {place} love the new {feature}! Fantastic work everyone!",
    "The {feature} release went perfectly. Awesome teamwork, so proud!",
    "Wow, {n} five-star reviews for the {feature} today! Incredible!",
  ],
  mix: { negative: 0.15, neutral: 0.65, positive: 0.2 },
  authors: ["ana", "ben", "chen", "dara", "eli", "fatima", "goran", "hana"],
};

/** One generated line. */
export interface FeedbackLine {
  readonly author: string;
  readonly text: string;
  /** The band its template was written for. */
  readonly band: Band;
}

/** Fills `{slot}`s with seeded picks. */
export function fill(template: string, rand: () => number): string {
  return template.replace(/\{(\w+)\}/g, (m, slot: string) => {
    const options = SLOTS[slot];
    return options === undefined ? m : options[Math.floor(rand() * options.length)];
  });
}

/** An endless, seeded stream of lines from `corpus`, in its mix of bands. */
export function lineSource(corpus: SourceCorpus, seed: number): () => FeedbackLine {
  const rand = mulberry32(seed);
  return () => {
    const r = rand();
    const band: Band = r < corpus.mix.negative ? "negative" : r < corpus.mix.negative + corpus.mix.positive ? "positive" : "neutral";
    const templates = corpus[band];
    const template = templates[Math.floor(rand() * templates.length)];
    return { author: corpus.authors[Math.floor(rand() * corpus.authors.length)], text: fill(template, rand), band };
  };
}
