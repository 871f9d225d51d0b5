"""Word lists the recognisers share: titles, cue phrases, places and programme words.

Kept in one module so that every rule the redactor applies can be read (and reviewed by an
information-governance lead) in one place; docs/pii.md lists them. All entries are lower-case.
"""

from __future__ import annotations

#: Honorifics and job titles that make the next capitalised word(s) a person's name.
TITLES = frozenset(
    """mr mrs ms miss mx dr doctor prof professor sister nurse matron cllr councillor rev
    reverend father fr sir dame lady lord auntie aunty aunt uncle nana nan gran granny grandma
    grandad grandpa mum mam dad pastor imam rabbi doc""".split()
)

#: Words before a name that say "a person comes next" ("my carer Jenny", "thanks to Mark").
#: Multi-word cues are matched on lower-cased text with single spaces.
CUES = (
    "called",
    "named",
    "name is",
    "name's",
    "known as",
    "thanks to",
    "thank you to",
    "thank you",
    "thank",
    "thanks",
    "spoke to",
    "spoke with",
    "speak to",
    "talked to",
    "talk to",
    "met with",
    "met",
    "asked for",
    "ask for",
    "contact",
    "ring",
    "rang",
    "phone",
    "phoned",
    "call",
    "email",
    "emailed",
    "helped by",
    "supported by",
    "seen by",
    "visited by",
    "introduced me to",
    "referred me to",
    "put me in touch with",
    "worker",
    "carer",
    "carers",
    "manager",
    "practitioner",
    "coordinator",
    "co-ordinator",
    "befriender",
    "volunteer",
    "therapist",
    "physio",
    "nurse",
    "gp",
    "officer",
    "advisor",
    "adviser",
    "connector",
    "navigator",
    "colleague",
    "husband",
    "wife",
    "partner",
    "son",
    "daughter",
    "mother",
    "father",
    "mum",
    "dad",
    "brother",
    "sister",
    "friend",
    "neighbour",
    "grandson",
    "granddaughter",
    "nephew",
    "niece",
    "boss",
    "lead",
    "leader",
    "like",
    "especially",
    "particularly",
    "including",
    "lady",
    "man",
    "gentleman",
    "woman",
    "guy",
    "girl",
    "boy",
)

#: Titles written as abbreviations: only these may be followed by a full stop ("Dr. O'Neill");
#: "my mum. She..." must not make "She" a name.
ABBREVIATED_TITLES = frozenset("mr mrs ms dr prof rev fr cllr".split())

#: Words that turn a preceding "name" into a place or building ("Byron House", "Clifton Lane",
#: "James Cook University Hospital", "Royal Victoria Infirmary").
FACILITY_WORDS = frozenset(
    """hospital infirmary house lodge centre center unit ward clinic surgery practice hall
    church chapel school college university academy court street road lane avenue drive
    close crescent place gardens terrace way grove park square castle bridge green hill
    station library hub trust foundation campus estate village town city county
    community council memorial health medical care home homes team service services
    group project society association""".split()
)

#: Words after a capitalised token that make it a person ("Sue was lovely", "Jenny from the
#: hub"): strong enough to mark a name that is also a word (Sue, Rose).
AFTER_CUES = (
    "from the",
    "who",
    "was lovely",
    "was brilliant",
    "was amazing",
    "was fantastic",
    "was great",
    "was so",
    "was very",
    "is lovely",
    "is brilliant",
    "is amazing",
    "is great",
    "is so",
    "is very",
)

#: Weaker after-cues (verbs): they mark only words no list knows ("Tendai phoned"), never a
#: word that is also common English ("Dawn visits are too early").
AFTER_VERBS = (
    "at the",
    "came",
    "comes",
    "visits",
    "visited",
    "phoned",
    "rang",
    "helped",
    "listened",
    "said",
    "told",
    "sorted",
    "arranged",
)

#: Months that are also given names (May, June, April, August): a cue before them still counts.
NAME_MONTHS = frozenset({"may", "june", "april", "august"})

MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()

#: Capitalised words that are not people even when the gazetteer lists them as names: dates,
#: nations, faiths, festivals and names of services.
NOT_NAMES = frozenset(
    MONTHS
    + WEEKDAYS
    + """christmas easter eid diwali hanukkah ramadan new year covid corona lockdown
    english scottish welsh irish british polish asian african european christian muslim
    jewish hindu sikh catholic protestant church mosque temple god lord jesus allah
    england scotland wales britain ireland uk gb europe america india pakistan poland
    google facebook twitter instagram whatsapp zoom teams microsoft tesco asda aldi lidl
    boots macmillan curie barnardos oxfam salvation army age concern scope mind
    carers citizens advice samaritans alzheimer alzheimers parkinson parkinsons
    monday's friday's sunday's""".split()
)

#: UK council areas, health boards and large towns: capitalised, often in the gazetteer as
#: surnames or first names (Angus, Bradford, Dudley, Lincoln, Kent), never a person on their own.
PLACES = frozenset(
    """aberdeen aberdeenshire angus argyll bute clackmannanshire dumfries galloway dundee
    ayrshire east west north south edinburgh eilean siar falkirk fife glasgow highland
    inverclyde midlothian moray lanarkshire orkney perth kinross renfrewshire borders
    shetland stirling lothian dunbartonshire lanark paisley livingston kirkcaldy dunfermline
    inverness elgin ayr kilmarnock greenock hamilton motherwell airdrie coatbridge cumbernauld
    irvine dumbarton alloa arbroath forfar montrose peterhead fraserburgh oban fort
    wick thurso lerwick kirkwall stornoway hawick galashiels peebles selkirk jedburgh
    london westminster camden hackney islington lambeth southwark lewisham greenwich
    croydon bromley bexley barnet brent ealing enfield haringey harrow havering hillingdon
    hounslow kingston merton newham redbridge richmond sutton tower hamlets waltham forest
    wandsworth barking dagenham kensington chelsea hammersmith fulham
    birmingham coventry dudley sandwell solihull walsall wolverhampton manchester bolton bury
    oldham rochdale salford stockport tameside trafford wigan liverpool knowsley sefton
    st helens wirral leeds bradford calderdale kirklees wakefield sheffield barnsley
    doncaster rotherham newcastle gateshead sunderland tyneside durham darlington hartlepool
    middlesbrough redcar cleveland stockton northumberland cumbria cumberland westmorland
    lancashire blackburn blackpool preston lancaster burnley yorkshire york hull humber
    lincoln lincolnshire nottingham nottinghamshire derby derbyshire leicester
    leicestershire rutland northampton northamptonshire warwick warwickshire worcester
    worcestershire hereford herefordshire shropshire telford wrekin stafford staffordshire
    stoke cheshire chester halton warrington bristol bath somerset dorset devon cornwall
    plymouth exeter torbay wiltshire swindon gloucester gloucestershire cheltenham oxford
    oxfordshire reading slough windsor maidenhead wokingham bracknell newbury berkshire
    buckingham buckinghamshire keynes luton bedford bedfordshire hertfordshire essex
    southend thurrock kent medway surrey sussex brighton hove portsmouth southampton
    hampshire isle wight norfolk norwich suffolk ipswich cambridge cambridgeshire
    peterborough wales cardiff swansea newport wrexham powys gwynedd conwy denbighshire
    flintshire anglesey ceredigion pembrokeshire carmarthenshire neath talbot bridgend
    glamorgan rhondda cynon taf merthyr tydfil caerphilly blaenau gwent torfaen
    monmouthshire belfast derry londonderry antrim newry lisburn craigavon armagh
    tyrone fermanagh down ards coleraine ballymena""".split()
)

#: Default allow-list: programme words kept intact wherever they appear.
PROGRAMME_WORDS = (
    "Community Led Support",
    "Community-Led Support",
    "CLS",
    "Talking Points",
    "Talking Point",
    "NDTi",
    "National Development Team for Inclusion",
    "NHS",
    "NHS Trust",
    "HSCP",
    "Health and Social Care Partnership",
    "Adult Social Care",
    "Social Work",
    "Council",
    "Local Authority",
    "Age UK",
    "Citizens Advice",
    "Carers Centre",
    "Carers Trust",
)
