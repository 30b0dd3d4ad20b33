package registry

import "strings"

// The tables the generator draws from. All of it is common Azerbaijani
// usage; combined at random it names nobody in particular.

var maleNames = []string{
	"Əli", "Rəşad", "Elvin", "Tural", "Murad", "Orxan", "Kamran", "Vüqar", "Elşən", "Anar",
	"Rauf", "Nicat", "Ramil", "Fuad", "Elnur", "Vaqif", "Nizami", "Həsən", "Hüseyn", "Məmməd",
	"Samir", "Zaur", "Emin", "Ceyhun", "Rüstəm", "Cavid", "Fərid", "Tofiq", "Rasim", "Arif",
	"Elçin", "Namiq", "Azər", "Seymur", "İlham", "Mübariz", "Şahin", "Yusif", "Kənan", "Ruslan",
	"Teymur", "Vüsal", "Rövşən", "Pərviz", "Sənan", "Toğrul", "Ülvi", "Əkbər", "Qasım", "Nurlan",
	"Cəlal", "Rəhim", "Ayxan", "Aydın", "Bəxtiyar", "Eldar", "Elmar", "Fikrət", "Xəyal", "İlkin",
	"Mahir", "Nəsimi", "Şamil", "Tağı", "Vahid", "Zakir", "Əmir", "Ömər", "İbrahim", "Sadiq",
}

var femaleNames = []string{
	"Aysel", "Gülnarə", "Leyla", "Nərmin", "Günay", "Aynur", "Səbinə", "Nigar", "Könül", "Ləman",
	"Sevinc", "Aytən", "Rəna", "Fidan", "Zəhra", "Mələk", "Nərgiz", "Şəbnəm", "Xədicə", "Fatimə",
	"Zərifə", "Sona", "Gülər", "Elmira", "Təranə", "Lalə", "Aygün", "Ülviyyə", "Samirə", "Arzu",
	"Kəmalə", "Nazlı", "Vüsalə", "Səadət", "Mehriban", "Tamilla", "Aida", "Gülşən", "Röya", "Nailə",
	"Sevda", "İradə", "Məryəm", "Aytac", "Ayla", "Nuray", "Şəlalə", "Zümrüd", "Jalə", "Əsmər",
	"Gülbahar", "Humay", "İnarə", "Lamiyə", "Mədinə", "Nübar", "Pərvanə", "Sədaqət", "Türkan", "Ulduz",
}

// surnameRoots take -ov/-ova (or -yev/-yeva): the male form is given.
var surnameOv = []string{
	"Məmmədov", "Əliyev", "Hüseynov", "Həsənov", "Quliyev", "İsmayılov", "Abbasov", "Cəfərov",
	"Babayev", "Rəhimov", "Nəsirov", "Qasımov", "Səfərov", "Kərimov", "Mustafayev", "Bayramov",
	"Orucov", "Vəliyev", "Əhmədov", "Süleymanov", "Nağıyev", "Sadıqov", "Paşayev", "Hacıyev",
	"Musayev", "Rzayev", "Zeynalov", "Hümbətov", "Tağıyev", "Allahverdiyev", "Cavadov", "Əsgərov",
	"Məlikov", "İbrahimov", "Salmanov", "Novruzov", "Şükürov", "Ağayev", "Rüstəmov", "Yusifov",
}

// surnameInvariant are the same for men and women (-li, -zadə).
var surnameInvariant = []string{
	"Hacıbəyli", "Şirinli", "Qarabağlı", "Vəzirli", "Sultanlı", "Şahbazlı", "Bağırlı", "Cahangirli",
	"Rəsulzadə", "Quluzadə", "Əlizadə", "Hüseynzadə", "Məmmədzadə", "Nəbizadə", "Axundzadə", "Mirzəzadə",
}

// surname is one family name in both forms, with lower-case Latin
// spellings for e-mail addresses.
type surname struct{ male, female, maleLatin, femaleLatin string }

// name is a first name with its lower-case Latin spelling and its
// patronymic forms ("Vaqif oğlu", "Vaqif qızı").
type name struct{ name, latin, son, daughter string }

var (
	males    = makeNames(maleNames)
	females  = makeNames(femaleNames)
	surnames = makeSurnames()
)

func makeNames(list []string) []name {
	out := make([]name, len(list))
	for i, n := range list {
		out[i] = name{n, strings.ToLower(latin(n)), n + " oğlu", n + " qızı"}
	}
	return out
}

func makeSurnames() []surname {
	var out []surname
	// -ov/-yev names are the great majority: list them four times over.
	for range 4 {
		for _, s := range surnameOv {
			out = append(out, surname{s, s + "a", strings.ToLower(latin(s)), strings.ToLower(latin(s + "a"))})
		}
	}
	for _, s := range surnameInvariant {
		out = append(out, surname{s, s, strings.ToLower(latin(s)), strings.ToLower(latin(s))})
	}
	return out
}

// latin spells Azerbaijani in plain ASCII for e-mail addresses.
var latin = strings.NewReplacer(
	"Ə", "E", "ə", "e", "İ", "I", "ı", "i", "Ö", "O", "ö", "o", "Ü", "U", "ü", "u",
	"Ş", "Sh", "ş", "sh", "Ç", "Ch", "ç", "ch", "Ğ", "Gh", "ğ", "gh",
).Replace

// region is an area of the country with its towns, plate codes and postal codes.
type region struct {
	name       string
	cities     []string
	plates     []string // vehicle region codes; the first is the usual one
	postalBase int      // postal codes are AZ + postalBase + 0..postalSpan-1
	postalSpan int
	postal     []string // the postal codes, made at start-up
	weight     int      // share of the population, in thousands
	streets    []string
}

var commonStreets = []string{
	"Nizami küç.", "Füzuli küç.", "Azadlıq pr.", "Səməd Vurğun küç.", "Üzeyir Hacıbəyov küç.",
	"Xətai küç.", "Cəfər Cabbarlı küç.", "Natəvan küç.", "Hüseyn Cavid pr.", "İstiqlaliyyət küç.",
	"Heydər Əliyev pr.", "Nəriman Nərimanov küç.", "Mirzə Fətəli Axundov küç.", "Həzi Aslanov küç.",
	"Zərifə Əliyeva küç.", "Səttərxan küç.", "Atatürk pr.", "Məhsəti küç.", "Koroğlu küç.", "Gənclik küç.",
}

var bakuStreets = []string{
	"Neftçilər pr.", "Bülbül pr.", "Tbilisi pr.", "Babək pr.", "Rəşid Behbudov küç.",
	"Şərifzadə küç.", "Mətbuat pr.", "Qara Qarayev pr.", "Yusif Səfərov küç.", "28 May küç.",
	"Bakıxanov küç.", "İnşaatçılar pr.", "Ziya Bünyadov pr.", "Xəqani küç.", "Əhməd Rəcəbli küç.",
}

var regions = []region{
	{name: "Bakı", cities: []string{"Bakı"}, plates: []string{"10", "90", "99", "77"}, postalBase: 1000, postalSpan: 150, weight: 2300, streets: append(append([]string{}, bakuStreets...), commonStreets...)},
	{name: "Abşeron", cities: []string{"Xırdalan", "Saray", "Mehdiabad"}, plates: []string{"01"}, postalBase: 100, postalSpan: 20, weight: 210},
	{name: "Sumqayıt", cities: []string{"Sumqayıt"}, plates: []string{"50"}, postalBase: 5000, postalSpan: 30, weight: 350},
	{name: "Gəncə", cities: []string{"Gəncə"}, plates: []string{"20"}, postalBase: 2000, postalSpan: 30, weight: 335},
	{name: "Mingəçevir", cities: []string{"Mingəçevir"}, plates: []string{"45"}, postalBase: 4500, postalSpan: 10, weight: 105},
	{name: "Şirvan", cities: []string{"Şirvan"}, plates: []string{"18"}, postalBase: 5800, postalSpan: 10, weight: 85},
	{name: "Naxçıvan", cities: []string{"Naxçıvan", "Ordubad", "Şərur", "Culfa"}, plates: []string{"85"}, postalBase: 7000, postalSpan: 40, weight: 460},
	{name: "Şəki", cities: []string{"Şəki"}, plates: []string{"55"}, postalBase: 5500, postalSpan: 10, weight: 180},
	{name: "Lənkəran", cities: []string{"Lənkəran"}, plates: []string{"42"}, postalBase: 4200, postalSpan: 10, weight: 230},
	{name: "Quba", cities: []string{"Quba"}, plates: []string{"38"}, postalBase: 4000, postalSpan: 10, weight: 170},
	{name: "Masallı", cities: []string{"Masallı"}, plates: []string{"44"}, postalBase: 4400, postalSpan: 10, weight: 220},
	{name: "Cəlilabad", cities: []string{"Cəlilabad"}, plates: []string{"15"}, postalBase: 4300, postalSpan: 10, weight: 220},
	{name: "Şəmkir", cities: []string{"Şəmkir"}, plates: []string{"57"}, postalBase: 5700, postalSpan: 10, weight: 215},
	{name: "Sabirabad", cities: []string{"Sabirabad"}, plates: []string{"54"}, postalBase: 5400, postalSpan: 10, weight: 180},
	{name: "Tovuz", cities: []string{"Tovuz"}, plates: []string{"60"}, postalBase: 6000, postalSpan: 10, weight: 180},
	{name: "Xaçmaz", cities: []string{"Xaçmaz"}, plates: []string{"27"}, postalBase: 3700, postalSpan: 10, weight: 175},
	{name: "Bərdə", cities: []string{"Bərdə"}, plates: []string{"09"}, postalBase: 900, postalSpan: 10, weight: 160},
	{name: "Salyan", cities: []string{"Salyan"}, plates: []string{"52"}, postalBase: 5200, postalSpan: 10, weight: 140},
	{name: "Ağcabədi", cities: []string{"Ağcabədi"}, plates: []string{"04"}, postalBase: 400, postalSpan: 10, weight: 140},
	{name: "Zaqatala", cities: []string{"Zaqatala"}, plates: []string{"62"}, postalBase: 6200, postalSpan: 10, weight: 130},
	{name: "Yevlax", cities: []string{"Yevlax"}, plates: []string{"66"}, postalBase: 6600, postalSpan: 10, weight: 130},
	{name: "Göyçay", cities: []string{"Göyçay"}, plates: []string{"23"}, postalBase: 2300, postalSpan: 10, weight: 125},
	{name: "Astara", cities: []string{"Astara"}, plates: []string{"07"}, postalBase: 3400, postalSpan: 10, weight: 110},
	{name: "Qəbələ", cities: []string{"Qəbələ"}, plates: []string{"36"}, postalBase: 3600, postalSpan: 10, weight: 105},
	{name: "Qazax", cities: []string{"Qazax"}, plates: []string{"35"}, postalBase: 3500, postalSpan: 10, weight: 100},
	{name: "Şamaxı", cities: []string{"Şamaxı"}, plates: []string{"56"}, postalBase: 5600, postalSpan: 10, weight: 100},
	{name: "İsmayıllı", cities: []string{"İsmayıllı"}, plates: []string{"31"}, postalBase: 3100, postalSpan: 10, weight: 90},
	{name: "Şuşa", cities: []string{"Şuşa"}, plates: []string{"58"}, postalBase: 5900, postalSpan: 10, weight: 10},
}

// regionPick maps a number in [0, total weight) to a region.
var regionPick, regionWeight = func() ([]uint8, int) {
	var pick []uint8
	for i, r := range regions {
		for range r.weight / 10 {
			pick = append(pick, uint8(i))
		}
	}
	return pick, len(pick)
}()

func init() {
	for i := range regions {
		if regions[i].streets == nil {
			regions[i].streets = commonStreets
		}
	}
}

// makeModel is one make with its models, its VIN world manufacturer
// identifier and how common it is.
type makeModel struct {
	make   string
	wmi    string
	models []string
	weight int
}

var makes = []makeModel{
	{"Toyota", "JTD", []string{"Camry", "Corolla", "Prius", "Land Cruiser", "RAV4"}, 14},
	{"Hyundai", "KMH", []string{"Elantra", "Accent", "Sonata", "Tucson", "Santa Fe"}, 12},
	{"Mercedes-Benz", "WDD", []string{"E 200", "C 180", "S 500", "Sprinter", "GLE 350"}, 10},
	{"Lada", "XTA", []string{"2107", "Priora", "Niva", "Granta", "Vesta"}, 10},
	{"Kia", "KNA", []string{"Rio", "Optima", "Sportage", "Cerato", "Sorento"}, 9},
	{"Chevrolet", "KL1", []string{"Cruze", "Aveo", "Malibu", "Captiva", "Nexia"}, 8},
	{"Nissan", "JN1", []string{"Qashqai", "X-Trail", "Sunny", "Patrol", "Juke"}, 6},
	{"BMW", "WBA", []string{"520", "X5", "320", "740", "X3"}, 6},
	{"Opel", "W0L", []string{"Astra", "Vectra", "Zafira", "Insignia"}, 4},
	{"Volkswagen", "WVW", []string{"Passat", "Golf", "Jetta", "Polo"}, 4},
	{"Ford", "WF0", []string{"Fusion", "Transit", "Focus", "Escape"}, 4},
	{"Mitsubishi", "JA3", []string{"Pajero", "Lancer", "Outlander"}, 3},
	{"Lexus", "JTH", []string{"RX 350", "LX 570", "ES 250"}, 3},
	{"Honda", "JHM", []string{"Civic", "Accord", "CR-V"}, 2},
	{"Renault", "VF1", []string{"Logan", "Duster", "Megane"}, 2},
	{"Chery", "LVV", []string{"Tiggo 7", "Tiggo 8", "Arrizo 6"}, 3},
}

var makePick = func() []uint8 {
	var pick []uint8
	for i, m := range makes {
		for range m.weight {
			pick = append(pick, uint8(i))
		}
	}
	return pick
}()

var businessWords = []string{
	"Xəzər", "Abşeron", "Qafqaz", "Göygöl", "Şirvan", "Araz", "Kür", "Qarabağ", "Nur", "Ulduz",
	"Günəş", "Dalğa", "Bulaq", "Vətən", "Mərcan", "Zirvə", "Səma", "İnci", "Çinar", "Şahdağ",
	"Bayraq", "Odlar", "Sahil", "Yaşıl Vadi", "Qızıl Körpü", "Ağ Şəhər", "Naxış", "Ləpə", "Oğuz", "Tumar",
}

var businessSectors = []string{
	"Logistika", "Tikinti", "Ticarət", "Aqro", "Enerji", "Texnologiya", "Dizayn", "Konsaltinq",
	"Tekstil", "Mebel", "Nəqliyyat", "Turizm", "Servis", "Qida", "Farm", "Media", "Təmir", "İnşaat",
	"Market", "Distribusiya", "Sistemləri", "Mühəndislik", "Kənd Təsərrüfatı", "Təhsil",
}
