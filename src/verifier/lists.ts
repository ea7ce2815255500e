/** Hand-made word lists used by the verifier's features. Lower case. */

/** Function words: never counted as content. Negations, question words and numbers are
 * handled by their own features; prepositions still take part in the order/role features. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but if then else so as of at by for with about against between into onto through during ' +
    'before after above below to from up down in out on off over under again further once here there ' +
    'all any both each few more most other some such only own same than too very just also even still ' +
    'i me my myself we us our ours ourselves you your yours yourself yourselves he him his himself she her hers ' +
    'herself it its itself they them their theirs themselves one ones someone somebody something anyone anybody anything ' +
    'everyone everybody everything this that these those ' +
    'am is are was were be been being have has had having do does did doing done get gets got getting ' +
    'will would shall should can could may might must ought need needs ' +
    'what which who whom whose why how when where whether ' +
    'please kindly really actually exactly basically simply just way ways thing things possible ' +
    'let lets like via per etc vs versus s t d ll m re ve o y ok okay hi hello thanks thank'
  ).split(' '),
);

/** Question words: a mismatch ("why is X" vs "how is X") often changes the question. */
export const WH_WORDS: ReadonlySet<string> = new Set(['what', 'which', 'who', 'whom', 'whose', 'why', 'how', 'when', 'where', 'whether']);

/** Negation cues ("n't" is rewritten to "not" before tokenising). */
export const NEGATIONS: ReadonlySet<string> = new Set([
  'not', 'no', 'never', 'without', 'nor', 'none', 'nobody', 'nothing', 'neither', 'nowhere', 'cannot',
  'except', 'excluding', 'exclude', 'excludes', 'avoid', 'avoiding', 'lack', 'lacking', 'non', 'free', 'minus', 'instead', 'unable', 'impossible',
]);

/** Prepositions and markers that give a word its role ("from X to Y", "X than Y", "X vs Y"). */
export const ROLE_MARKERS: ReadonlySet<string> = new Set([
  'from', 'to', 'into', 'onto', 'than', 'vs', 'versus', 'over', 'by', 'for', 'of', 'on', 'in', 'with', 'at',
  'against', 'between', 'and', 'or', 'under', 'above', 'below', 'before', 'after', 'toward', 'towards', 'through',
  'as', 'like', 'about', 'without', 'within', 'per',
]);

/** Antonym pairs WordNet misses or lists only for rare senses; function words included. */
export const CURATED_ANTONYMS: ReadonlyArray<readonly [string, string]> = [
  ['install', 'uninstall'], ['encrypt', 'decrypt'], ['encode', 'decode'], ['compress', 'decompress'],
  ['increase', 'decrease'], ['increase', 'reduce'], ['min', 'max'], ['minimum', 'maximum'], ['minimize', 'maximize'],
  ['ascending', 'descending'], ['ascend', 'descend'], ['asc', 'desc'], ['upload', 'download'], ['push', 'pull'],
  ['gain', 'lose'], ['gain', 'loss'], ['raise', 'lower'], ['add', 'remove'], ['add', 'delete'], ['add', 'subtract'],
  ['insert', 'delete'], ['insert', 'remove'], ['create', 'delete'], ['create', 'destroy'], ['enable', 'disable'],
  ['import', 'export'], ['open', 'close'], ['start', 'stop'], ['start', 'end'], ['begin', 'end'], ['begin', 'finish'],
  ['win', 'lose'], ['buy', 'sell'], ['borrow', 'lend'], ['send', 'receive'], ['input', 'output'], ['read', 'write'],
  ['lock', 'unlock'], ['mount', 'unmount'], ['connect', 'disconnect'], ['subscribe', 'unsubscribe'], ['follow', 'unfollow'],
  ['block', 'unblock'], ['zip', 'unzip'], ['pack', 'unpack'], ['load', 'unload'], ['freeze', 'unfreeze'],
  ['hide', 'show'], ['show', 'hide'], ['expand', 'collapse'], ['include', 'exclude'], ['accept', 'reject'],
  ['allow', 'deny'], ['allow', 'forbid'], ['allow', 'block'], ['permit', 'forbid'], ['approve', 'reject'],
  ['attach', 'detach'], ['merge', 'split'], ['join', 'split'], ['serialize', 'deserialize'], ['enqueue', 'dequeue'],
  ['first', 'last'], ['before', 'after'], ['above', 'below'], ['over', 'under'], ['up', 'down'], ['in', 'out'],
  ['inside', 'outside'], ['on', 'off'], ['with', 'without'], ['more', 'less'], ['more', 'fewer'], ['most', 'least'],
  ['high', 'low'], ['higher', 'lower'], ['highest', 'lowest'], ['big', 'small'], ['large', 'small'], ['long', 'short'],
  ['fast', 'slow'], ['early', 'late'], ['hot', 'cold'], ['warm', 'cool'], ['soft', 'hard'], ['easy', 'hard'],
  ['easy', 'difficult'], ['good', 'bad'], ['best', 'worst'], ['better', 'worse'], ['cheap', 'expensive'],
  ['old', 'new'], ['old', 'young'], ['rich', 'poor'], ['strong', 'weak'], ['heavy', 'light'], ['dark', 'light'],
  ['wet', 'dry'], ['full', 'empty'], ['true', 'false'], ['yes', 'no'], ['positive', 'negative'], ['left', 'right'],
  ['north', 'south'], ['east', 'west'], ['top', 'bottom'], ['front', 'back'], ['male', 'female'], ['man', 'woman'],
  ['men', 'women'], ['boy', 'girl'], ['husband', 'wife'], ['father', 'mother'], ['son', 'daughter'],
  ['brother', 'sister'], ['uncle', 'aunt'], ['king', 'queen'], ['day', 'night'], ['morning', 'evening'],
  ['summer', 'winter'], ['spring', 'autumn'], ['sunrise', 'sunset'], ['import', 'export'], ['encryption', 'decryption'],
  ['upper', 'lower'], ['uppercase', 'lowercase'], ['public', 'private'], ['internal', 'external'],
  ['inner', 'outer'], ['client', 'server'], ['frontend', 'backend'], ['synchronous', 'asynchronous'], ['sync', 'async'],
  ['static', 'dynamic'], ['local', 'remote'], ['local', 'global'], ['online', 'offline'], ['manual', 'automatic'],
  ['legal', 'illegal'], ['possible', 'impossible'], ['safe', 'unsafe'], ['safe', 'dangerous'], ['healthy', 'unhealthy'],
  ['love', 'hate'], ['like', 'dislike'], ['agree', 'disagree'], ['pass', 'fail'], ['success', 'failure'],
  ['succeed', 'fail'], ['increase', 'drop'], ['rise', 'fall'], ['rise', 'drop'], ['expand', 'shrink'],
  ['grow', 'shrink'], ['attack', 'defend'], ['offense', 'defense'], ['import', 'export'], ['credit', 'debit'],
  ['income', 'expense'], ['profit', 'loss'], ['deposit', 'withdraw'], ['arrive', 'depart'], ['arrival', 'departure'],
  ['enter', 'exit'], ['entry', 'exit'], ['login', 'logout'], ['signin', 'signout'], ['sign', 'unsign'],
  ['include', 'omit'], ['plus', 'minus'], ['sum', 'difference'], ['multiply', 'divide'], ['celsius', 'fahrenheit'],
  ['km', 'miles'], ['kg', 'lbs'], ['usd', 'eur'], ['dollar', 'euro'], ['ios', 'android'], ['windows', 'linux'],
  ['windows', 'mac'], ['mac', 'linux'], ['vertical', 'horizontal'], ['vertically', 'horizontally'], ['row', 'column'],
  ['rows', 'columns'], ['prefix', 'suffix'], ['head', 'tail'], ['leading', 'trailing'], ['forward', 'backward'],
  ['next', 'previous'], ['past', 'future'], ['yesterday', 'tomorrow'], ['always', 'never'], ['everything', 'nothing'],
  ['all', 'none'], ['many', 'few'], ['much', 'little'], ['same', 'different'], ['similar', 'different'],
  ['mean', 'median'], ['odd', 'even'], ['even', 'odd'], ['ceil', 'floor'], ['ceiling', 'floor'], ['round', 'truncate'],
];

/** Irregular inflections -> base form (WordNet's exception lists are not in the npm package). */
export const IRREGULAR: ReadonlyMap<string, string> = new Map(
  (
    'went:go gone:go was:be were:be been:be is:be are:be am:be had:have has:have did:do does:do done:do made:make ' +
    'took:take taken:take better:good best:good worse:bad worst:bad children:child men:man women:woman people:person ' +
    'mice:mouse feet:foot teeth:tooth geese:goose bought:buy brought:bring thought:think found:find got:get gotten:get ' +
    'gave:give given:give knew:know known:know said:say saw:see seen:see came:come ran:run wrote:write written:write ' +
    'began:begin begun:begin ate:eat eaten:eat felt:feel kept:keep lost:lose meant:mean paid:pay sold:sell sent:send ' +
    'spent:spend stood:stand told:tell understood:understand won:win held:hold built:build fell:fall fallen:fall ' +
    'drove:drive driven:drive chose:choose chosen:choose broke:break broken:break spoke:speak spoken:speak froze:freeze ' +
    'frozen:freeze grew:grow grown:grow threw:throw thrown:throw flew:fly flown:fly drew:draw drawn:draw wore:wear ' +
    'worn:wear hid:hide hidden:hide rose:rise risen:rise led:lead fed:feed met:meet taught:teach caught:catch ' +
    'fought:fight sought:seek slept:sleep left:leave dealt:deal dug:dig hung:hang lay:lie lain:lie laid:lay ' +
    'swam:swim swum:swim sang:sing sung:sing rang:ring rung:ring drank:drink drunk:drink struck:strike stuck:stick ' +
    'shot:shoot shook:shake shaken:shake woke:wake woken:wake forgot:forget forgotten:forget forgave:forgive ' +
    'forgiven:forgive bit:bite bitten:bite blew:blow blown:blow became:become wives:wife lives:life knives:knife ' +
    'leaves:leaf halves:half selves:self wolves:wolf thieves:thief data:datum criteria:criterion phenomena:phenomenon ' +
    'analyses:analysis theses:thesis crises:crisis indices:index matrices:matrix vertices:vertex bigger:big biggest:big ' +
    'larger:large largest:large smaller:small smallest:small faster:fast fastest:fast slower:slow slowest:slow ' +
    'higher:high highest:high lower:low lowest:low longer:long longest:long shorter:short shortest:short ' +
    'easier:easy easiest:easy harder:hard hardest:hard cheaper:cheap cheapest:cheap older:old oldest:old ' +
    'newer:new newest:new hotter:hot hottest:hot colder:cold coldest:cold stronger:strong strongest:strong ' +
    'weaker:weak weakest:weak richer:rich richest:rich poorer:poor poorest:poor heavier:heavy heaviest:heavy ' +
    'lighter:light lightest:light earlier:early earliest:early later:late latest:late safer:safe safest:safe ' +
    'more:more most:most less:less least:least'
  )
    .split(' ')
    .map((p) => p.split(':') as [string, string]),
);

/** Number words -> value. */
export const NUMBER_WORDS: ReadonlyMap<string, string> = new Map(
  (
    'zero:0 one:1 two:2 three:3 four:4 five:5 six:6 seven:7 eight:8 nine:9 ten:10 eleven:11 twelve:12 thirteen:13 ' +
    'fourteen:14 fifteen:15 sixteen:16 seventeen:17 eighteen:18 nineteen:19 twenty:20 thirty:30 forty:40 fifty:50 ' +
    'sixty:60 seventy:70 eighty:80 ninety:90 hundred:100 thousand:1000 million:1000000 billion:1000000000 ' +
    'dozen:12 half:0.5 quarter:0.25 first:1st second:2nd third:3rd fourth:4th fifth:5th sixth:6th seventh:7th ' +
    'eighth:8th ninth:9th tenth:10th'
  )
    .split(' ')
    .map((p) => p.split(':') as [string, string]),
);

/** Names the capitalisation rule misses in lower-case text (languages, platforms, libraries,
 * countries...): a mismatch on one of them is an entity mismatch. */
export const KNOWN_ENTITIES: ReadonlySet<string> = new Set(
  (
    'python java javascript typescript ruby php perl rust golang kotlin swift scala haskell clojure erlang elixir ' +
    'lua matlab julia fortran cobol pascal bash powershell sql mysql postgres postgresql sqlite mongodb redis oracle ' +
    'html css json xml yaml csv react angular vue svelte jquery node nodejs deno django flask rails laravel spring ' +
    'numpy pandas tensorflow pytorch keras sklearn excel word powerpoint linux ubuntu debian fedora centos windows ' +
    'macos mac osx ios android iphone ipad chrome firefox safari edge docker kubernetes aws azure gcp git github ' +
    'gitlab npm pip conda vim emacs vscode c cpp c++ c# csharp .net dotnet go r ' +
    'google facebook amazon apple microsoft netflix twitter instagram whatsapp youtube quora uber tesla ' +
    'usd eur gbp jpy inr bitcoin ethereum dollar dollars euro euros rupee rupees yen pound pounds ' +
    'india china usa america england britain uk france germany japan russia canada australia austria brazil ' +
    'mexico italy spain pakistan korea iran iraq israel egypt africa europe asia ' +
    'english hindi chinese french german spanish japanese russian arabic italian portuguese korean ' +
    'celsius fahrenheit kelvin km kilometers miles kg kilograms pounds lbs'
  ).split(' '),
);
