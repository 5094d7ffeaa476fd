// The search benchmark's corpus, the same on every run (seeded): a
// vocabulary with English's most frequent words at the top and made-up
// words in a long tail, drawn by a Zipf-Mandelbrot law as words in real
// text are; authors with names; tweets of 6-18 words, a fifth with a hashtag,
// a tenth with a mention, spread over the last `days` days.
import { snowflakeFloor } from "../../../services/kit/snowflake.js";
import { Rng, WeightedSampler } from "../../rng.js";

const COMMON = (
  "the be to of and a in that have i it for not on with he as you do at this but his by from they we say her she or an will my one all " +
  "would there their what so up out if about who get which go me when make can like time no just him know take people into year your good " +
  "some could them see other than then now look only come its over think also back after use two how our work first well way even new want " +
  "because any these give day most us is was are been has had were said did got going love today great happy game news music world life " +
  "coffee rain city night morning team weekend friends video photo food school movie book show live free best"
).split(" ");
const SYLLABLES = "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo zu".split(" ");
const FIRST = "ann bob cara dan eve finn gia hugo ida jon kai lena milo nora omar pia quin rosa sam tara umar vera will xena yuki zoe".split(" ");

function madeUpWord(rng: Rng): string {
  let w = "";
  for (let i = 0, n = 2 + rng.int(3); i < n; i++) w += SYLLABLES[rng.int(SYLLABLES.length)];
  return w;
}

export interface Author {
  userId: bigint;
  username: string;
  displayName: string;
  followers: bigint;
}

export interface CorpusTweet {
  tweetId: bigint;
  authorId: bigint;
  content: string;
  hashtags: string[];
  mentions: string[];
}

export class Corpus {
  readonly words: string[];
  readonly tags: string[];
  readonly authors: Author[];
  private readonly wordSampler: WeightedSampler;
  private readonly tagSampler: WeightedSampler;
  private readonly authorSampler: WeightedSampler;

  constructor(
    private readonly o: { vocabulary: number; authors: number; tweets: number; days: number; now: number; seed: number },
    firstUserId: bigint,
  ) {
    const rng = new Rng(o.seed);
    const words = new Set(COMMON);
    while (words.size < o.vocabulary) words.add(madeUpWord(rng));
    this.words = [...words];
    // Zipf-Mandelbrot: weight 1 / (rank + 2.7)^1.0 (Mandelbrot's fit of English).
    this.wordSampler = new WeightedSampler(this.words.map((_, r) => 1 / (r + 2.7)));
    this.tags = Array.from({ length: 2000 }, () => madeUpWord(rng));
    this.tagSampler = new WeightedSampler(this.tags.map((_, r) => 1 / (r + 1)));
    this.authors = Array.from({ length: o.authors }, (_, i) => {
      const first = FIRST[rng.int(FIRST.length)]!;
      const last = madeUpWord(rng);
      return {
        userId: firstUserId + BigInt(i),
        username: `${first}${last}${i.toString(36)}`.slice(0, 15),
        displayName: `${first[0]!.toUpperCase()}${first.slice(1)} ${last[0]!.toUpperCase()}${last.slice(1)}`,
        // A heavy tail: a few accounts with most followers.
        followers: BigInt(Math.floor(50_000 / (i + 1) ** 1.1)),
      };
    });
    // Prolific authors post most: Zipf over authors too.
    this.authorSampler = new WeightedSampler(this.authors.map((_, i) => 1 / (i + 10)));
  }

  word(rng: Rng): string {
    return this.words[this.wordSampler.sample(rng)]!;
  }

  /** Tweet number i (0 = oldest), the same on every call. */
  tweet(i: number): CorpusTweet {
    const rng = new Rng(this.o.seed * 7919 + i);
    const span = this.o.days * 86_400_000;
    const at = this.o.now - span + Math.floor((i / this.o.tweets) * span);
    // Unique ids in time order: the time, then the tweet's number in the low bits.
    const tweetId = snowflakeFloor(at) + BigInt(i % 4_194_304);
    const author = this.authors[this.authorSampler.sample(rng)]!;
    const parts: string[] = [];
    for (let n = 6 + rng.int(13); n > 0; n--) parts.push(this.word(rng));
    const hashtags: string[] = [];
    const mentions: string[] = [];
    if (rng.next() < 0.2) {
      const tag = this.tags[this.tagSampler.sample(rng)]!;
      hashtags.push(tag);
      parts.push(`#${tag}`);
    }
    if (rng.next() < 0.1) {
      const who = this.authors[rng.int(this.authors.length)]!.username;
      mentions.push(who);
      parts.unshift(`@${who}`);
    }
    return { tweetId, authorId: author.userId, content: parts.join(" ").slice(0, 280), hashtags, mentions };
  }
}
