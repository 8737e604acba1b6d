package generate

// The words payloads are made of. Every entry is plain text that JSON needs
// no escape for (no quotes, backslashes or control characters), so writers
// append it between quotes as it is; TestVocabularyNeedsNoEscaping holds the
// lists to that.

// firstNames and lastNames make the ASCII names, nine people in ten.
var firstNames = []string{
	"Aaron", "Abigail", "Adam", "Adrian", "Aisha", "Alan", "Alice", "Amanda", "Amir",
	"Andrew", "Angela", "Anna", "Anthony", "Ben", "Brian", "Caroline", "Carlos",
	"Catherine", "Chloe", "Chris", "Claire", "Daniel", "David", "Diana", "Dylan",
	"Elena", "Elijah", "Emily", "Emma", "Eric", "Ethan", "Fiona", "Gabriel", "Grace",
	"Hannah", "Henry", "Isaac", "Isabel", "Jack", "James", "Jane", "Jason", "Jessica",
	"John", "Jordan", "Julia", "Kevin", "Laura", "Liam", "Lucas", "Maria", "Mark",
	"Megan", "Michael", "Mia", "Nathan", "Nina", "Noah", "Olivia", "Omar", "Owen",
	"Patrick", "Paul", "Priya", "Rachel", "Raj", "Rebecca", "Ryan", "Samuel", "Sarah",
	"Sofia", "Sophie", "Stephen", "Thomas", "Tyler", "Victoria", "William", "Zoe",
}

var lastNames = []string{
	"Adams", "Allen", "Anderson", "Baker", "Bennett", "Brooks", "Brown", "Campbell",
	"Carter", "Chen", "Clark", "Collins", "Cooper", "Davis", "Edwards", "Evans",
	"Fischer", "Foster", "Garcia", "Gonzalez", "Gray", "Green", "Hall", "Harris",
	"Hughes", "Jackson", "Johnson", "Jones", "Kelly", "Khan", "Kim", "King", "Lee",
	"Lewis", "Lopez", "Martin", "Miller", "Mitchell", "Moore", "Morgan", "Murphy",
	"Nguyen", "Novak", "Parker", "Patel", "Perez", "Peterson", "Phillips", "Reed",
	"Richardson", "Rivera", "Roberts", "Robinson", "Rossi", "Sanchez", "Schmidt",
	"Scott", "Shah", "Singh", "Smith", "Stewart", "Sullivan", "Taylor", "Thompson",
	"Turner", "Walker", "Wang", "Ward", "Watson", "White", "Williams", "Wilson",
	"Wright", "Young",
}

// unicodePerson is a name that is not plain ASCII, with the ASCII form its
// LinkedIn address would use.
type unicodePerson struct {
	first, last, name, slug string
}

// unicodePeople are the tenth of people whose names test alignment: accents,
// CJK written family name first, Arabic and Hebrew right to left, emoji.
var unicodePeople = []unicodePerson{
	{"Zoë", "Ångström-Núñez", "Zoë Ångström-Núñez", "zoe-angstrom-nunez"},
	{"José", "Álvarez", "José Álvarez", "jose-alvarez"},
	{"François", "Lefèvre", "François Lefèvre", "francois-lefevre"},
	{"Søren", "Kierkegård", "Søren Kierkegård", "soren-kierkegard"},
	{"Małgorzata", "Wiśniewska", "Małgorzata Wiśniewska", "malgorzata-wisniewska"},
	{"Jürgen", "Müller", "Jürgen Müller", "jurgen-muller"},
	{"Chloé", "Dubois-Hébert", "Chloé Dubois-Hébert", "chloe-dubois-hebert"},
	{"İlkay", "Gündoğan", "İlkay Gündoğan", "ilkay-gundogan"},
	{"Nguyễn", "Thị Hương", "Nguyễn Thị Hương", "nguyen-thi-huong"},
	{"太郎", "山田", "山田 太郎", "taro-yamada"},
	{"花子", "佐藤", "佐藤 花子", "hanako-sato"},
	{"伟", "王", "王 伟", "wei-wang"},
	{"秀英", "李", "李 秀英", "xiuying-li"},
	{"민준", "김", "김 민준", "minjun-kim"},
	{"محمد", "الأحمد", "محمد الأحمد", "mohammed-alahmad"},
	{"فاطمة", "الزهراء", "فاطمة الزهراء", "fatima-alzahra"},
	{"נועה", "לוי", "נועה לוי", "noa-levi"},
	{"Дмитрий", "Иванов", "Дмитрий Иванов", "dmitry-ivanov"},
	{"Alex", "Kim 🚀", "Alex Kim 🚀", "alex-kim"},
	{"Sam", "Rivera ✨", "Sam Rivera ✨", "sam-rivera"},
}

// companyStems and companySuffixes combine into company names; each stem is
// also its domain's first part, lowercased.
var companyStems = []string{
	"Acme", "Aperture", "Apex", "Arcadia", "Atlas", "Axiom", "Beacon", "Blue Harbor",
	"Brightline", "Cascade", "Cobalt", "Copperleaf", "Cyberdyne", "Evergreen",
	"Falcon", "Globex", "Granite", "Helix", "Hooli", "Initech", "Ironclad", "Juniper",
	"Keystone", "Lighthouse", "Meridian", "Monarch", "Northwind", "Nimbus", "Oakridge",
	"Orbit", "Pinnacle", "Polaris", "Quantum", "Redwood", "Sierra", "Silverline",
	"Soylent", "Stark", "Summit", "Tyrell", "Umbrella", "Vandelay", "Vertex", "Wayne",
	"Willow", "Zenith",
}

var companySuffixes = []string{
	"Analytics", "Bank", "Biotech", "Capital", "Cloud", "Corp", "Dynamics", "Energy",
	"Foods", "Group", "Health", "Inc", "Insurance", "Labs", "Logistics", "Media",
	"Networks", "Partners", "Robotics", "Software", "Systems", "Technologies",
}

// unicodeCompanies are employers with names that are not plain ASCII.
var unicodeCompanies = []struct{ name, domain string }{
	{"Société Générale des Eaux", "sgeaux.fr"},
	{"Müller & Söhne GmbH", "mueller-soehne.de"},
	{"Café Lumière", "cafelumiere.fr"},
	{"Łódź Software Hub", "lodzsoftware.pl"},
	{"Ñandú Logística", "nandu.com.ar"},
	{"株式会社サンプル", "sample.co.jp"},
	{"東京データ株式会社", "tokyodata.co.jp"},
	{"阿里数据科技", "alidata.cn"},
	{"삼성바이오랩", "samsungbiolab.kr"},
	{"شركة المثال", "almithal.sa"},
	{"Örnek Teknoloji A.Ş.", "ornekteknoloji.com.tr"},
	{"Rocket 🚀 Labs", "rocketlabs.dev"},
}

// topLevelDomains end the ASCII companies' domains, .com most often.
var topLevelDomains = []string{
	".com", ".com", ".com", ".com", ".io", ".io", ".co", ".ai", ".net", ".de", ".co.uk",
}

var industries = []string{
	"Technology", "Technology", "Financial Services", "Healthcare", "Manufacturing",
	"Retail", "Logistics", "Energy", "Education", "Media", "Telecommunications",
	"Insurance", "Real Estate", "Biotechnology", "Automotive", "Hospitality",
	"Professional Services", "Government",
}

var employeeRanges = []string{
	"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+",
}

// clientTitles are what the CRM's contacts do; prospectTitles what the
// people they can introduce do.
var clientTitles = []string{
	"VP of Sales", "Account Executive", "Senior Account Executive", "Founder",
	"Co-Founder & CEO", "Head of Partnerships", "Sales Director", "Customer Success Manager",
	"Regional Sales Manager", "Chief Revenue Officer", "Business Development Lead",
	"Managing Partner", "Directrice Commerciale — EMEA", "Head of Growth",
}

var prospectTitles = []string{
	"CTO", "CEO", "CFO", "COO", "VP Engineering", "VP of Marketing", "Head of Data",
	"Director of Operations", "Head of Procurement", "Chief Information Officer",
	"Head of IT", "Engineering Manager", "Product Director", "Head of Growth 📈",
	"Chief Data Officer", "VP Product", "General Counsel", "Head of Security",
	"最高技術責任者", "Directeur Financier",
}

// roles are the jobs client and prospect held at the employer they shared.
var roles = []string{
	"Sales Director", "Head of Engineering", "Software Engineer", "Product Manager",
	"Account Manager", "Consultant", "Senior Analyst", "Marketing Manager",
	"Engineering Manager", "Solutions Architect", "Business Analyst", "Associate",
	"Operations Lead", "Data Scientist", "Recruiter", "Intern",
}

// comments are what people write under each other's posts.
var comments = []string{
	"Great insight!", "Congrats on the launch!", "Well deserved, congratulations!",
	"This matches what we see with our customers.", "Thanks for sharing this.",
	"Couldn't agree more.", "Interesting take on pricing.", "Looking forward to the follow-up.",
	"Happy to chat about this sometime.", "Brilliant write-up, bookmarked.",
	"We ran into the same problem last quarter.", "Huge milestone for the team.",
	"Très intéressant, merci !", "Glückwunsch zum neuen Job!", "素晴らしい洞察です。",
	"🔥🔥🔥", "Congrats! 🎉", "مقال رائع، شكرا للمشاركة",
}

// errorCodes are the failures a job can end with, with what Clustr says of
// each.
var errorCodes = []struct{ code, message, details string }{
	{"PROCESSING_ERROR", "Failed to process contacts", "Additional error context"},
	{"RATE_LIMITED", "Too many requests to the enrichment provider",
		"Retry after 15 minutes; the job was stopped before any contact was processed"},
	{"CRM_AUTH_EXPIRED", "The CRM connection needs to be authorised again",
		"The OAuth token was revoked by the CRM administrator"},
	{"INVALID_INPUT", "The import request held no usable contacts",
		"Every contact lacked a LinkedIn URL and a company name"},
	{"TIMEOUT", "The job did not finish within its time limit",
		"Processing stopped after 3600 seconds"},
}

// triggers say what started a job; they fill the custom passthrough.
var triggers = []string{"daily-sync", "weekly-sync", "manual", "api", "crm-workflow"}
