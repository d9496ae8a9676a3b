"""Disclosure rules for Urdu, Bengali and Polish, in their own scripts and in Roman letters.

Each rule is a small lexicon at work: a harm verb beside a first-person word ("mujhe marta",
"আমাকে মারে", "bije mnie"), a relation of the writer's beside a harm word, first-person fear,
forced marriage, control of papers or money, being kept in, threats of deportation, and
self-harm. They read `safety_text.fold`ed text: case-folded, Polish accents dropped, Arabic-
keyboard letters as Urdu's, and doubled Roman letters as one ("maarta" is "marta"), so every
Roman pattern below is written with single letters.

Pure data and regexes (no Flask, no database). English lives in `cafe.disclosure`.
"""

from __future__ import annotations

import unicodedata

from cafe.safety_text import fold

Rule = tuple[str, str]

# Word lists a rule names as <NAME>; every form as `fold` writes it.
_VOCAB = {
    # ---- Roman Urdu
    "RU_ME": r"(?:mujhe|mujhay|mujhy|mujhi|mjhe|mje|muje|mujh ?ko|muj ?ko|hamen|hamein|humen|humein|mujh ?pe|mujh ?par|mujh ?se)",
    "RU_MY": r"(?:mera|meri|mere|mra|mri|mre|hamara|hamari|hamare)",
    "RU_I": r"(?:main|mein|mai|me|mn|mujhe|mje|mjhe|mujhay)",
    "RU_REL": r"(?:shohar|shauhar|shohr|shoher|shuhar|khawand|khavind|khawind|miyan|mian|husband|sas|sasu|susar|sasur|nand|devar|dewar|jeth|abu|aba|walid|bhai|bhaiya|bap|baap|chacha|mamu|mama|taya|boyfriend|partner|ex|sasural|gharwale|gharwaly|ghar wale|manghetar|mangetar)",
    "RU_HARM": r"(?:mar(?:ta|ti|te|a|i|e|ay|na|ne|o|tay)?|pit(?:a|ta|ti|te|ai|tay)?|pet(?:ta|ti|te|a)?|marpet|marpit|thapar|thapad|lat(?:en|ain)? mar\w*|jala\w*|gala dab\w*|dhamk\w*|daraw?\w*|chen\w*|chin\w*|qaid|band kar\w*|zabardasti|zabar dasti|gali(?:yan|an|ya)?|tang kar\w*|zulm|tashadud|hit kar\w*|beat kar\w*|zalil|behaz?at\w*)",
    "RU_FEAR": r"(?:dar(?:ti|ta|te|i|a)?|dar lag(?:ta|ti|e)|khauf|khof|ghabra\w*|sehmi|sehma)",
    "RU_PAPERS": r"(?:pasport|passport|kagaz|kaghaz|kagzat|documents|visa|paise|pese|paisay|tankhwah|tankha|salary|phone|fon|mobile|card|atm)",
    "RU_CHILD": r"(?:beti|beta|bachi|bache|bacha|bachon|bachay|bacho|behen|bahen|bhanji|bhatiji|bhanja|bhatija)",
    # ---- Urdu in Arabic letters (folded: ک for ك, ی for ي, ہ for ه and ھ)
    "UR_ME": r"(?:مجہے|مجہ|مجہکو|ہمیں|مجہی)",
    "UR_MY": r"(?:میرا|میری|میرے|ہمارا|ہماری|ہمارے)",
    "UR_I": r"(?:میں|مجہے|ہم)",
    "UR_REL": r"(?:شوہر|خاوند|میاں|ساس|سسر|سسرال|نند|دیور|ابو|والد|باپ|بہائی|چچا|ماموں|منگیتر|سابق|بوائے فرینڈ|گہر والے)",
    "UR_HARM": r"(?:مار\w*|پیٹ\w*|پٹائی|تہپڑ|لات\w*|جلا\w*|دہمک\w*|چہین\w*|قید|بند کر\w*|زبردستی|گالی\w*|تشدد|ظلم|تنگ کر\w*|گلا دبا\w*|ذلیل)",
    "UR_FEAR": r"(?:ڈر\w*|خوف\w*|گہبرا\w*|سہم\w*)",
    "UR_PAPERS": r"(?:پاسپورٹ|کاغذ\w*|ویزا|ویزہ|پیسے|تنخواہ|فون|موبائل|کارڈ)",
    "UR_CHILD": r"(?:بیٹی|بیٹا|بچی|بچے|بچوں|بچہ|بہن|بہانجی|بہتیجی)",
    # ---- Bengali in its script
    "BN_ME": r"(?:আমাকে|আমায়|আমাকেও|আমাদের|আমাদেরকে)",
    "BN_MY": r"(?:আমার|আমাদের)",
    "BN_REL": r"(?:স্বামী|স্বামি|শ্বশুর\S*|শাশুড়ি|শাশুড়ী|শাশুরি|ননদ|দেবর|বাবা|ভাই|চাচা|মামা|প্রেমিক|বয়ফ্রেন্ড|বর|জামাই|প্রাক্তন|সঙ্গী|পার্টনার)",
    "BN_HARM": r"(?:মার\S*|মেরে\S*|পেটা\S*|পিটি\S*|চড়|লাথি|থাপ্পড়|হুমকি|ভয় দেখা\S*|আটকে\S*|বন্দি|জোর করে|গালি\S*|নির্যাতন|অত্যাচার|পুড়ি\S*|কেড়ে\S*|গলা টিপ\S*|ধর্ষণ)",
    "BN_FEAR": r"(?:ভয় (?:পাই|লাগে|করে|হয়|পাচ্ছি|লাগছে)|ভয়ে|আতঙ্ক)",
    "BN_PAPERS": r"(?:পাসপোর্ট|কাগজ\S*|ভিসা|টাকা\S*|বেতন|ফোন|মোবাইল|কার্ড)",
    "BN_CHILD": r"(?:মেয়ে\S*|ছেলে\S*|বাচ্চা\S*|সন্তান\S*|বোন\S*|ভাগ্নি|ভাতিজি)",
    # ---- Roman Bengali
    "RB_ME": r"(?:amake|amay|amak|amade?r ?ke|amader|amakeo)",
    "RB_MY": r"(?:amar|amader)",
    "RB_REL": r"(?:shami|sami|swami|husband|bor|jamai|shoshur|sosur|shashuri|sasuri|shashori|sasori|nonod|debor|baba|bhai|vai|chacha|mama|premik|boyfriend|partner)",
    "RB_HARM": r"(?:mare|marche|mardhor|marlo|mereche|merechilo|marto|marbe|petay|pitay|pitiye|petache|chor mar\w*|lathi|thapor|thapad|humki|homki|bhoy dekh\w*|voy dekh\w*|atke\w*|bondi|jor kore|gali dey|galagali|nirjaton|otachar|atachar|kere ni\w*|gola tip\w*)",
    "RB_FEAR": r"(?:(?:bhoy|voy|bhoi|voi|bhay) (?:pai|lage|kore|lagche|pacchi|paci|hoy)|bhoye|voye)",
    "RB_PAPERS": r"(?:pasport|passport|kagoj\w*|kagaj\w*|visa|taka|beton|salary|phone|fon|mobile|card)",
    "RB_CHILD": r"(?:meye|chele|baca|bacha|bachcha|santan|shontan|bon|bhagni)",
    # ---- Polish (folded: no accents, "ł" as "l")
    "PL_ME": r"(?:mnie|mi|mna|nas|nam)",
    "PL_MY": r"(?:moj|moja|moje|mojego|mojej|moim|moich|nasz\w*)",
    "PL_REL": r"(?:maz|meza|mezem|mezu|partner\w*|chlopak\w*|ojciec|ojca|ojcem|ojczym\w*|tesciow\w*|tesc\w*|brat\w*|eks\w*|byl\w* (?:maz|meza|partner\w*)|narzeczon\w*|konkubent\w*|rodzin\w*|facet\w*)",
    "PL_HARM": r"(?:bij\w*|bil\w*|pobil\w*|uderz\w*|szarp\w*|popch\w*|kop\w*|dus\w*|gwalc\w*|zgwalc\w*|wyzyw\w*|poniz\w*|zamyk\w*|zamkn\w*|kontrol\w*|sledz\w*|grozi\w*|groz\w*|straszy\w*|zastrasz\w*|krzywdz\w*|skrzywdz\w*|zabij\w*|zabic|molest\w*|szantaz\w*|przemoc\w*|rzuca\w* (?:we mnie|mna)|znecaj?\w*)",
    "PL_PAPERS": r"(?:paszport\w*|dokument\w*|pieniadz\w*|pieniedzy|pensj\w*|wyplat\w*|telefon\w*|kart\w*|dowod\w*|wiz\w*|zasilek|zasilki|800 ?plus|konto)",
    "PL_CHILD": r"(?:cork\w*|syn\w*|dzieci\w*|dzieck\w*|siostr\w*|wnucz\w*|corecz\w*|coreczk\w*)",
}

# One "label | regex" per line. Any match counts as a strong, personal cue.
_TABLE = r"""
harm to the writer | \b<RU_ME>\b(?:\s+\S+){0,3}?\s+<RU_HARM>\b|\b<RU_HARM>\b(?:\s+\S+){0,2}?\s+<RU_ME>\b
harm to the writer | \b<RU_MY>\s+(?:\S+\s+)?<RU_REL>\b.{0,60}\b<RU_HARM>\b
harm to the writer | ^\W*(?:(?:woh|wo|vo|<RU_REL>)\s+)?(?:roz\s+|phir\s+(?:se\s+)?|hamesha\s+)?(?:mar|pit|pet)(?:ta|ti|te)(?:\s+(?:hai|he|h|hain|tha|thi|the))?\W*$
fear or entrapment | \b<RU_I>\b(?:\s+\S+){0,4}?\s+<RU_FEAR>\b|\b<RU_FEAR>\b.{0,20}\b(?:hai|hon|hun|raha|rahi)\b.{0,30}\b(?:ghar|us ?se|un ?se|<RU_REL>)\b
control | \b(?:<RU_MY>|mujh ?se|hamare)\s+(?:\S+\s+)?<RU_PAPERS>\b.{0,30}\b(?:le li?y?a|le lia|chen|chin|rakh\w*|chupa\w*|apne pas|nahi? de(?:ta|ti|te)|nahin de(?:ta|ti|te)|qabz\w*)\b
control | \b(?:nahi|nahin|nai|nhi)\s+(?:\S+\s+){0,2}?(?:jane|nikalne|milne|bat karne|baat karne|bolne|parhne|kam karne|phone karne|fon karne)\s+(?:de(?:ta|ti|te)|dia|diya|den?ge)\b
control | \b(?:ghar (?:me|mein|main) band|kamre (?:me|mein) band|bahar nahi? ja sak\w*)\b
forced marriage or cutting | \b(?:<RU_ME>|<RU_MY>|my|me|i)\b.{0,40}\b(?:zabardasti|zabar dasti|majbor\w*|majbur\w*)\b.{0,40}\b(?:shadi|nikah|rishta)\b|\b(?:shadi|nikah|rishta)\b.{0,40}\b(?:zabardasti|majbor\w*|majbur\w*|marzi ke (?:bagair|bager|khilaf)|nahi? kar(?:ni|na)|nahi? chah(?:ti|ta))\b
threat to the writer | \b(?:deport|nikalwa\w*|wapas bhej\w*|wapis bhej\w*|home office)\b.{0,40}\b(?:dhamk\w*|keh\w*|karwa\w*|dega|degi|denge|dengy)\b|\bmar (?:dal(?:e|o|un|on)\w*|d(?:ega|egi|enge|unga|ungi|on|un))\b|^\W*(?:woh|wo|vo)\s+(?:phir\s+(?:se\s+)?)?(?:aa? gay[ai]|wapas aa? gay[ai]|bahar khar[ai] hai)\W*$
self-harm or suicide | \b(?:khudkushi|khud kushi|khud ko (?:mar|khatam|nuqsan)\w*|apne ap ko (?:mar|khatam|nuqsan)\w*)\s+(?:\S+\s+){0,2}?(?:chah\w*|soch\w*|lon|lun|don|dun|ki koshish)\b|\b(?:jina nahi? chah(?:ti|ta)|mar jana chah(?:ti|ta)|marna chah(?:ti|ta)|zindagi khatam kar (?:lon|lun|don|dun|du)\w*)\b|^\W*(?:khudkushi|khud kushi)\W*$
asks for help | \b(?:<RU_ME>|koi|please|plz|allah)\s+(?:\S+\s+)?bach(?:ao|aw|a lo|a do|aiye|ayen|ain)\b|\bbach(?:ao|aw)\s+(?:<RU_ME>|please|plz|koi)\b|^\W*bach(?:ao|aw)\W*$|\b(?:<RU_MY>|<RU_ME>)\s+(?:madad|help)\s+(?:kar(?:o|en|ein|ain|iye|e|den|dein|do)|chahi?y?e|chahie)\b|^\W*(?:please\s+|plz\s+|koi\s+)?(?:madad|help)(?:\s+kar(?:o|en|ein|iye|do))?\W*$
close person at risk | \b<RU_MY>\s+(?:\S+\s+)?<RU_CHILD>\b.{0,50}\b(?:<RU_HARM>|gandi? (?:harkat|tarah)|bhej\w* (?:den?ge|rahe)|<RU_FEAR>)\b
harm to the writer | <UR_ME>(?:\s+\S+){0,3}?\s+<UR_HARM>|<UR_HARM>(?:\s+\S+){0,2}?\s+<UR_ME>
harm to the writer | <UR_MY>\s+(?:\S+\s+)?<UR_REL>.{0,60}<UR_HARM>
harm to the writer | ^\W*(?:(?:وہ|<UR_REL>)\s+)?(?:روز\s+|پہر\s+)?(?:مار|پیٹ)(?:تا|تی|تے)(?:\s+(?:ہے|ہیں|تہا|تہی))?\W*$
fear or entrapment | (?:^|\s)<UR_I>(?:\s+\S+){0,5}?\s+<UR_FEAR>|<UR_ME>\s+(?:\S+\s+){0,3}?<UR_FEAR>
control | (?:<UR_MY>|مجہ سے)\s+(?:\S+\s+)?<UR_PAPERS>.{0,30}(?:لے لی\w*|چہین\w*|رکہ\w*|چہپا\w*|اپنے پاس|نہیں دیت\w*|قبض\w*)
control | نہیں\s+(?:\S+\s+){0,2}?(?:جانے|نکلنے|ملنے|بات کرنے|بولنے|پڑہنے|کام کرنے|فون کرنے)\s+(?:دیتا|دیتی|دیتے|دیا|دیں گے)|گہر میں بند|کمرے میں بند
forced marriage or cutting | (?:<UR_ME>|<UR_MY>)(?!\w).{0,40}(?:زبردستی|مجبور)\S*.{0,40}(?:شادی|نکاح|رشتہ)|(?:شادی|نکاح|رشتہ).{0,40}(?:زبردستی|مجبور|مرضی کے بغیر|مرضی کے خلاف|نہیں کرنا|نہیں چاہت)
threat to the writer | (?:ڈیپورٹ|واپس بہیج\S*|ہوم آفس).{0,40}(?:دہمک\S*|کہت\S*|کروا\S*|دے گا|دیں گے)|مار (?:دے گا|دیں گے|ڈالے گا|ڈالوں گا|دوں گا|ڈالیں گے)
self-harm or suicide | (?:خودکشی|خود کشی|خود کو (?:مار|ختم|نقصان)\S*)\s+(?:\S+\s+){0,2}?(?:چاہت\S*|سوچ\S*|لوں|دوں|کی کوشش)|جینا نہیں چاہت|مر جانا چاہت|مرنا چاہت|زندگی ختم کر (?:لوں|دوں)|^\W*(?:خودکشی|خود کشی)\W*$
asks for help | (?:<UR_ME>|کوئی|اللہ)\s+(?:\S+\s+)?بچا(?:ؤ|و|ئیں|یں|\s*لو)(?!\w)|بچا(?:ؤ|و)\s+<UR_ME>|^\W*بچا(?:ؤ|و)\W*$|(?:<UR_MY>|<UR_ME>)\s+مدد\s+(?:کرو|کریں|کیجیے|کیجئے|کر دو|کر دیں|چاہیے|چاہئے)(?!\w)|^\W*(?:کوئی\s+)?مدد(?:\s+(?:کرو|کریں|کیجیے|کیجئے|چاہیے|چاہئے))?\W*$
close person at risk | <UR_MY>\s+(?:\S+\s+)?<UR_CHILD>.{0,50}(?:<UR_HARM>|گندی حرکت|<UR_FEAR>)
harm to the writer | <BN_ME>(?:\s+\S+){0,3}?\s+<BN_HARM>|<BN_HARM>(?:\s+\S+){0,2}?\s+<BN_ME>
harm to the writer | <BN_MY>\s+(?:\S+\s+)?<BN_REL>.{0,60}<BN_HARM>|আমার\s+গলা\s+টিপ
harm to the writer | ^\W*(?:(?:সে|ও|উনি|<BN_REL>)\s+)?(?:রোজ\s+|আবার\s+|প্রতিদিন\s+)?(?:মারে|মারছে|মেরেছে|পেটায়|মারধর করে)\W*$
fear or entrapment | (?:আমি|আমার|আমাকে)(?:\s+\S+){0,5}?\s+<BN_FEAR>
fear or entrapment | ^\W*(?:খুব\s+)?ভয়\s+(?:লাগে|লাগছে|করে|পাই|পাচ্ছি)\W*$
control | (?:<BN_MY>|আমার থেকে)\s+(?:\S+\s+)?<BN_PAPERS>.{0,30}(?:নিয়ে নিয়েছে|নিয়ে নেয়|কেড়ে\S*|রেখে দিয়েছে|লুকিয়ে\S*|দেয় না|দেন না)
control | (?:বাইরে|বাড়ির বাইরে|কারো সাথে|কথা|কাজে|স্কুলে)\s+(?:\S+\s+){0,2}?(?:যেতে|বলতে|মিশতে|দেখা করতে|করতে)\s+দেয় না|ঘরে আটকে|ঘরে বন্দি
forced marriage or cutting | (?:আমাকে|আমার|আমি|আমায়).{0,30}জোর করে.{0,30}বিয়ে|বিয়ে.{0,40}(?:জোর|চাই না|দিতে চায়|দিয়ে দেবে|দিয়ে দিবে)
threat to the writer | (?:ডিপোর্ট|দেশে ফেরত|হোম অফিস).{0,40}(?:হুমকি|বলে|দেবে|দিবে|করাবে)|মেরে ফেল(?:বে|ব|বো|বেন)(?![\u0980-\u09ff])
self-harm or suicide | (?:আমি|আমার|আমাকে).{0,40}(?:আত্মহত্যা|নিজেকে শেষ|নিজেকে আঘাত|নিজের ক্ষতি)|মরে যেতে চাই|বাঁচতে চাই না|আর বাঁচতে চাই|আত্মহত্যা\S*\s+(?:\S+\s+)?(?:ভাব\S*|করব\S*|চেষ্টা)|^\W*আত্মহত্যা\W*$
asks for help | (?:আমাকে|আমায়|আমাদের|কেউ|প্লিজ)\s+(?:\S+\s+)?বাঁ?চা(?:ও|ন|বেন)(?![\u0980-\u09ff])|(?<![\u0980-\u09ff])বাঁ?চা(?:ও|ন)\s+(?:আমাকে|আমায়|প্লিজ)|^\W*বাঁ?চা(?:ও|ন)\W*$|(?:আমাকে|আমায়|আমার|আমাদের)\s+(?:একটু\s+)?সাহায্য\s+(?:করুন|করো|কর|করেন|দরকার|চাই|লাগবে)(?![\u0980-\u09ff])|^\W*(?:প্লিজ\s+)?সাহায্য(?:\s+(?:করুন|করো|চাই))?\W*$
close person at risk | <BN_MY>\s+(?:\S+\s+)?<BN_CHILD>.{0,50}(?:<BN_HARM>|খারাপভাবে|<BN_FEAR>)
harm to the writer | \b<RB_ME>\b(?:\s+\S+){0,3}?\s+<RB_HARM>\b|\b<RB_HARM>\b(?:\s+\S+){0,2}?\s+<RB_ME>\b
harm to the writer | \b<RB_MY>\s+(?:\S+\s+)?<RB_REL>\b.{0,60}\b<RB_HARM>\b|\bamar gola tip\w*
harm to the writer | ^\W*(?:(?:se|o|uni|<RB_REL>)\s+)?(?:roj\s+|abar\s+|protidin\s+)?(?:mare|marche|mereche|petay|mardhor kore)\W*$
fear or entrapment | \b(?:ami|amar|amake|amay)\b(?:\s+\S+){0,5}?\s+<RB_FEAR>\b
fear or entrapment | ^\W*(?:khub\s+)?(?:bhoy|voy|bhoi|voi) (?:lage|lagche|pai|kore|paci|pacchi)\W*$
control | \b(?:<RB_MY>|amar theke)\s+(?:\S+\s+)?<RB_PAPERS>\b.{0,30}\b(?:niye ni\w*|niye nise|kere\w*|rekhe di\w*|lukiye\w*|dey ?na|day ?na|den ?na)\b
control | \b(?:baire|bahire|kotha bolte|dekha korte|kaje|jete)\b.{0,20}\b(?:dey ?na|day ?na|dei ?na)\b|\bghore (?:atke|bondi)\w*\b
forced marriage or cutting | \b(?:amake|amar|ami|amay)\b.{0,30}\bjor ?kore\b.{0,30}\b(?:biye|bie)\b|\b(?:biye|bie)\b.{0,40}\b(?:dite chay|dite cay|dibe|dicche|dice|chai ?na|chaina)\b
threat to the writer | \b(?:deport|desh?e ferot|home office)\b.{0,40}\b(?:humki|bole|debe|dibe|korabe)\b|\bmere fel(?:be|bo|b)\b
self-harm or suicide | \b(?:ami|amar|amake)\b.{0,40}\b(?:atmohot?a|atohota|atmahatya|nijeke shesh|nijer khoti)\b|\b(?:more jete chai|bachte chai ?na)\b|\b(?:atm[oa]h[oa]ty?a\w*|atohota\w*)\s+(?:\w+\s+)?(?:bhab\w*|vab\w*|korbo|chesta)\b
asks for help | \b(?:<RB_ME>|keu|please|plz)\s+(?:\S+\s+)?bac?h?a(?:o|n|ben)\b|\b(?:<RB_ME>|amar|amader)\s+(?:ektu\s+)?(?:sahajo|shahajo|sahajyo|shahajyo|sahajj?o|help)\s+(?:korun|koro|kor|koren|dorkar|lagbe|chai)\b|^\W*(?:please\s+)?(?:sahajo|shahajo) (?:korun|koro|chai)\W*$
close person at risk | \b<RB_MY>\s+(?:\S+\s+)?<RB_CHILD>\b.{0,50}\b(?:<RB_HARM>|kharap vabe|kharap bhabe|<RB_FEAR>)\b
harm to the writer | \b<PL_ME>\s+(?:\S+\s+){0,2}?<PL_HARM>\b|\b<PL_HARM>\s+(?:\S+\s+){0,2}?<PL_ME>\b
harm to the writer | \b<PL_MY>\s+(?:\S+\s+)?<PL_REL>\b.{0,60}\b<PL_HARM>\b
harm to the writer | ^\W*(?:(?:on|ona|oni|<PL_REL>)\s+)?(?:znowu\s+|ciagle\s+|codziennie\s+)?(?:mnie\s+)?(?:bije|bil|pobil|uderza|kopie|dusi|gwalci|szarpie|katuje)(?:\s+mnie)?\W*$
fear or entrapment | \bboje sie\b(?:\s+\S+){0,2}?\s+(?:go|jego|jej|ich|jego|wrocic|wracac|isc|o (?:siebie|dzieci|zycie|cork\w*|syn\w*)|ze (?:mnie|mi|on|ona|zabije|zrobi|wroci)|<PL_REL>)\b|\b(?:boje sie|jestem w niebezpieczenstwie|nie czuje sie bezpieczn\w*)\b(?=\s*(?:$|[.,!]))|\bnie czuje sie bezpieczn\w*
control | \b(?:zabral\w*|zabiera\w*|trzyma\w*|schowal\w*|chowa\w*|odebral\w*|ukryl\w*|przejal\w*)\s+(?:\S+\s+){0,2}?<PL_PAPERS>\b
control | \bnie pozwala\w* mi\b|\bnie daje mi (?:pieniedzy|wyjsc|telefonu|rozmawiac|pracowac)\b|\bnie (?:moge|wolno mi) (?:wychodzic|wyjsc|nigdzie|sama wyjsc)\b|\bmusze (?:go |ja )?prosic o (?:pieniadze|kazd\w*)\b|\bsprawdza (?:moj\w*|mi) (?:telefon|wiadomosci|konto|maile)\b
threat to the writer | \b(?:deport\w*|wywiez\w*|odesle\w*|zglosi\w*|doniesie\w*)\b.{0,40}\b(?:mnie|mi|nas)\b|\b(?:mnie|nas)\b.{0,20}\bdeport\w*|\bzabierze mi dzieci\b|\bodbierze mi dzieci\b|\b(?:zabije|zabic) (?:mnie|nas)\b|\b(?:powiedzial\w*|mowi|grozi\w*)\b.{0,30}\b(?:ostatni\w* (?:raz|ostrzezeni\w*)|pozalujesz|pozaluje\w*)\b|^\W*(?:on|ona)\s+(?:znowu\s+)?(?:wrocil\w*|jest pod drzwiami|stoi pod (?:domem|drzwiami)|czeka pod domem)\W*$
forced marriage or cutting | \b(?:zmusza\w*|zmusz\w*|kaza\w*|kaz\w*)\b.{0,40}\b(?:slub\w*|malzenstw\w*|wyjsc za|za maz|ozenic)\b|\bwydac mnie za\b|\bwyda mnie za\b|\bwyda(?:c|ja|dza)? (?:moj\w*|nasz\w*)(?: \w+){0,2} za maz\b
self-harm or suicide | \b(?:samobojstw\w*|zabic sie|chc\w* umrzec|wolal\w* umrzec|zabije sie|nie chce (?:juz )?zyc|skoncz\w* ze soba|tne sie|ciac sie|pociac sie|okaleczam\w*|zrobi(?:c|e) sobie krzywde)\b
harassment | \b(?:sledzi mnie|obserwuje mnie|chodzi za mna|za mna (?:chodzi|lazi|jezdzi)|czeka pod (?:moim|domem|praca)|wydzwania|nachodzi mnie|pisze do mnie (?:ciagle|caly czas)|zainstalowal\w* (?:mi )?(?:aplikacj\w*|lokalizator\w*))\b|\bpisze (?:do mnie )?z (?:nowych|innych|roznych) (?:kont|numerow)\b
asks for help | \bratunku\b|^\W*(?:prosze\W+|ludzie\W+|o\W+)?pomocy\b|\bpomocy\W*$|\b(?:ja )?potrzebuje (?:pilnie |natychmiast |szybko )?pomocy\b(?!\s+(?:z|w|przy|od|dla|ze)\b)|\bpomoz(?:cie)? (?:mi|nam)\b|^\W*pomozcie\W*$|\b(?:niech )?ktos (?:mi )?pomoz\w*
close person at risk | \b<PL_MY>\s+(?:\S+\s+)?<PL_CHILD>\b.{0,60}\b(?:<PL_HARM>|dotyka\w*|boi sie|boja sie|zmusz\w*|wywiez\w*|placze|chowa sie)\b|\bzostawia\w* (?:\w+ )?(?:dzieci|dziecko|niemowle|corke|syna|maluch\w*) (?:sam\w*|bez opieki)\b
"""


# A word of Urdu or Bengali starts where no letter (or Bengali vowel sign) of its script is before.
_STARTS = {"UR": r"(?<!\w)", "BN": r"(?<![\u0980-\u09ff])"}


def _expand(pattern: str) -> str:
    """Put the word lists into a pattern, in the form `fold` gives."""
    for name, words in _VOCAB.items():
        pattern = pattern.replace(f"<{name}>", _STARTS.get(name[:2], "") + words)
    # Bengali "য়" and its decomposed form, Arabic-keyboard letters: the same form as the text.
    return unicodedata.normalize("NFKC", pattern)


def _parse(table: str) -> tuple[Rule, ...]:
    """Read the "label | regex" table."""
    rows = (line.split(" | ", 1) for line in table.strip().splitlines() if line.strip())
    return tuple((label.strip(), _expand(pattern.strip())) for label, pattern in rows)


INTL_RULES: tuple[Rule, ...] = _parse(_TABLE)


def check_folded(rules: tuple[Rule, ...] = INTL_RULES) -> list[str]:
    """Return the rules whose non-Latin letters are not in folded form (a rule that cannot match)."""
    bad = []
    for label, pattern in rules:
        letters = "".join(c for c in pattern if c.isalpha() and not c.isascii())
        if fold(letters) != letters.replace(" ", ""):
            bad.append(label)
    return bad
