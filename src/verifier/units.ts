import type { Analysis, Token } from './text.js';

/** Units of measure and currencies, by the words that name them after a number. A word may name
 * several ("pounds": weight or money); two mentions conflict only when they share none. Single
 * letters that are also words or other numbers' suffixes ("m", "in", "s", "t") are left out. */
const UNIT_WORDS: ReadonlyArray<readonly [unit: string, words: string]> = [
  ['mg', 'mg milligram milligrams'],
  ['g', 'g gm gms gram grams gramme grammes'],
  ['kg', 'kg kgs kilo kilos kilogram kilograms kilogramme kilogrammes'],
  ['lb', 'lb lbs pound pounds'],
  ['oz', 'oz ounce ounces'],
  ['stone', 'stone stones st'],
  ['ton', 'ton tons tonne tonnes'],
  ['mm', 'mm millimeter millimeters millimetre millimetres'],
  ['cm', 'cm centimeter centimeters centimetre centimetres'],
  ['meter', 'meter meters metre metres'],
  ['km', 'km kms kilometer kilometers kilometre kilometres'],
  ['inch', 'inch inches'],
  ['ft', 'ft foot feet'],
  ['yard', 'yd yds yard yards'],
  ['mile', 'mi mile miles'],
  ['ml', 'ml milliliter milliliters millilitre millilitres'],
  ['liter', 'l liter liters litre litres'],
  ['gallon', 'gal gallon gallons'],
  ['cup', 'cup cups'],
  ['tbsp', 'tbsp tbs tablespoon tablespoons'],
  ['tsp', 'tsp teaspoon teaspoons'],
  ['pint', 'pint pints'],
  ['quart', 'qt quart quarts'],
  ['ms', 'ms millisecond milliseconds'],
  ['second', 'sec secs second seconds'],
  ['minute', 'min mins minute minutes'],
  ['hour', 'h hr hrs hour hours'],
  ['day', 'day days'],
  ['week', 'wk wks week weeks'],
  ['month', 'mo month months'],
  ['year', 'yr yrs year years'],
  ['decade', 'decade decades'],
  ['fahrenheit', 'f fahrenheit'],
  ['celsius', 'c celsius centigrade'],
  ['kelvin', 'k kelvin'],
  ['usd', 'usd dollar dollars buck bucks'],
  ['eur', 'eur euro euros'],
  ['gbp', 'gbp pound pounds quid'],
  ['jpy', 'jpy yen'],
  ['inr', 'inr rs rupee rupees lakh lakhs'],
  ['kb', 'kb kilobyte kilobytes'],
  ['mb', 'mb megabyte megabytes'],
  ['gb', 'gb gigabyte gigabytes'],
  ['tb', 'tb terabyte terabytes'],
  ['mph', 'mph'],
  ['kph', 'kph kmh'],
  ['percent', 'percent percentage'],
  ['calorie', 'cal cals calorie calories kcal'],
  ['volt', 'v volt volts'],
  ['watt', 'w watt watts'],
];

const UNITS_OF: ReadonlyMap<string, readonly string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [unit, words] of UNIT_WORDS) for (const w of words.split(' ')) m.set(w, [...(m.get(w) ?? []), unit]);
  return m;
})();

/** Words that scale a number ("4.6 billion kilometres"): the unit belongs to the whole quantity. */
const MULTIPLIERS = new Set(['hundred', 'thousand', 'million', 'billion', 'trillion', 'dozen', 'half', 'quarter']);

/** "10kg" as one token (see text.ts SUFFIX_NUM_RE): its number and unit word. */
const GLUED = /^(\d+(?:\.\d+)?)([a-z%]+)$/;

/** Number value -> the units named right after it in the text ("10 lb", "10lb", "five minutes"). */
function unitsByNumber(A: Analysis): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (value: string, word: string): void => {
    const units = word === '%' ? ['percent'] : UNITS_OF.get(word);
    if (units === undefined) return;
    let s = out.get(value);
    if (s === undefined) out.set(value, (s = new Set()));
    for (const u of units) s.add(u);
  };
  const ts = A.tokens;
  for (let i = 0; i < ts.length; i++) {
    const num = ts[i]?.num;
    if (num === null || num === undefined || MULTIPLIERS.has((ts[i] as Token).lower)) continue;
    const glued = GLUED.exec(num);
    if (glued !== null) add(glued[1] as string, glued[2] as string);
    else if (i + 1 < ts.length) add(num, (ts[i + 1] as Token).lower);
  }
  return out;
}

/** How many numbers both texts give with a unit, where the units share no meaning: "a 10 lb
 * puppy" / "a 10 kg puppy", "5 kilograms to pounds" / "5 pounds in kilograms". The same quantity
 * written another way ("5 mi" / "5 miles", "10 lbs" / "10 pounds") is not a change. */
export function unitChanges(A: Analysis, B: Analysis): number {
  const ua = unitsByNumber(A);
  if (ua.size === 0) return 0;
  const ub = unitsByNumber(B);
  let n = 0;
  for (const [value, sa] of ua) {
    const sb = ub.get(value);
    if (sb !== undefined && ![...sa].some((u) => sb.has(u))) n++;
  }
  return n;
}
