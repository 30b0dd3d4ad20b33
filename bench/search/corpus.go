// Package searchbench generates a believable synthetic service catalog for
// benchmarking internal/catalog/search: names, keywords, summaries and
// descriptions in Azerbaijani, English and Russian, with inflected word
// forms so the vocabulary grows as a real one does.
package searchbench

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/egov/egov/internal/catalog/search"
)

// tr is one phrase in az, en, ru.
type tr struct{ az, en, ru string }

var topics = []tr{
	{"şəxsiyyət vəsiqəsinin", "identity card", "удостоверения личности"},
	{"xarici pasportun", "passport", "заграничного паспорта"},
	{"sürücülük vəsiqəsinin", "driving licence", "водительского удостоверения"},
	{"doğum haqqında şəhadətnamənin", "birth certificate", "свидетельства о рождении"},
	{"nikah haqqında şəhadətnamənin", "marriage certificate", "свидетельства о браке"},
	{"ölüm haqqında şəhadətnamənin", "death certificate", "свидетельства о смерти"},
	{"nəqliyyat vasitəsinin", "vehicle registration", "транспортного средства"},
	{"vergi bəyannaməsinin", "tax declaration", "налоговой декларации"},
	{"torpaq sahəsinin", "land plot", "земельного участка"},
	{"daşınmaz əmlakın", "real estate", "недвижимого имущества"},
	{"tikinti icazəsinin", "building permit", "разрешения на строительство"},
	{"ticarət lisenziyasının", "trade licence", "торговой лицензии"},
	{"gömrük bəyannaməsinin", "customs declaration", "таможенной декларации"},
	{"pensiyanın", "pension", "пенсии"},
	{"əlillik müavinətinin", "disability benefit", "пособия по инвалидности"},
	{"işsizlik müavinətinin", "unemployment benefit", "пособия по безработице"},
	{"məhkumluq haqqında arayışın", "criminal record certificate", "справки о несудимости"},
	{"məktəbə qəbulun", "school enrolment", "приёма в школу"},
	{"diplomun", "diploma", "диплома"},
	{"tibbi sığortanın", "health insurance", "медицинского страхования"},
	{"kommunal xidmətlərin", "utility services", "коммунальных услуг"},
	{"yaşayış yeri üzrə qeydiyyatın", "residence registration", "регистрации по месту жительства"},
	{"hüquqi şəxsin", "legal entity", "юридического лица"},
	{"fərdi sahibkarın", "sole proprietor", "индивидуального предпринимателя"},
	{"silah icazəsinin", "firearms permit", "разрешения на оружие"},
	{"ov biletinin", "hunting licence", "охотничьего билета"},
	{"hərbi biletin", "military ID", "военного билета"},
	{"sosial kartın", "social card", "социальной карты"},
	{"ünvanlı sosial yardımın", "targeted social assistance", "адресной социальной помощи"},
	{"vizanın", "visa", "визы"},
}

var actions = []tr{
	{"verilməsi", "Issuing a", "Выдача"},
	{"dəyişdirilməsi", "Replacing a", "Замена"},
	{"bərpası", "Restoring a", "Восстановление"},
	{"müddətinin uzadılması", "Extending a", "Продление"},
	{"ləğv edilməsi", "Cancelling a", "Аннулирование"},
	{"dublikatının verilməsi", "Duplicate of a", "Выдача дубликата"},
	{"qeydiyyata alınması", "Registering a", "Регистрация"},
	{"məlumatların yoxlanılması", "Checking a", "Проверка"},
	{"təsdiq edilməsi", "Certifying a", "Заверение"},
	{"ərizənin qəbulu", "Applying for a", "Приём заявления"},
}

var agencies = []tr{
	{"Daxili İşlər Nazirliyi", "Ministry of Internal Affairs", "Министерство внутренних дел"},
	{"Ədliyyə Nazirliyi", "Ministry of Justice", "Министерство юстиции"},
	{"Vergilər Nazirliyi", "Ministry of Taxes", "Министерство налогов"},
	{"Əmək və Əhalinin Sosial Müdafiəsi Nazirliyi", "Ministry of Labour and Social Protection", "Министерство труда и социальной защиты населения"},
	{"Dövlət Miqrasiya Xidməti", "State Migration Service", "Государственная миграционная служба"},
	{"Dövlət Gömrük Komitəsi", "State Customs Committee", "Государственный таможенный комитет"},
	{"Təhsil Nazirliyi", "Ministry of Education", "Министерство образования"},
	{"Səhiyyə Nazirliyi", "Ministry of Health", "Министерство здравоохранения"},
	{"Əmlak Məsələləri Dövlət Xidməti", "State Property Service", "Государственная служба по имущественным вопросам"},
	{"ASAN xidmət", "ASAN service", "ASAN служба"},
}

var regions = []string{
	"Bakı", "Gəncə", "Sumqayıt", "Mingəçevir", "Şirvan", "Naxçıvan", "Lənkəran", "Şəki", "Quba", "Qəbələ",
	"Şamaxı", "Zaqatala", "Göyçay", "Ağdam", "Şuşa", "Füzuli", "Cəlilabad", "Masallı", "Salyan", "Xaçmaz",
}

// Description vocabulary: stems, inflected by the language's endings.
var (
	azStems = strings.Fields("ərizə sənəd vətəndaş xidmət məlumat qərar müddət ödəniş rüsum arayış surət " +
		"şəxs orqan qeydiyyat sahibkar müəssisə əmlak torpaq nəqliyyat vergi bəyannamə müraciət portal " +
		"elektron imza kabinet status bildiriş mərkəz operator növbə iş gün hesab bank kart məbləğ " +
		"qanun maddə tələb şərt yaş ünvan telefon poçt övlad valideyn ailə nikah doğum təhsil məktəb")
	azEnds = []string{"", "", "", "in", "ə", "də", "dən", "lər", "ləri", "lərin", "i", "imiz", "ini"}
	azGlue = strings.Fields("və ilə üçün üzrə haqqında sonra əvvəl ərzində bütün hər yeni olan edilir verilir tələb olunur")

	enWords = strings.Fields("application applications document documents citizen citizens service services " +
		"information decision period payment payments fee fees certificate certificates person authority " +
		"registration registered entrepreneur company property land vehicle tax return request portal " +
		"electronic signature cabinet status notification centre operator queue working day days account " +
		"bank card amount law article requirement condition age address phone mail child parent family " +
		"submit submitted receive received issue issued apply required review reviewed within online")
	enGlue = strings.Fields("the the the a an of of to to and and in for with by on is are be after before within your")

	ruStems = strings.Fields("заявлени документ гражданин услуг информаци решени срок платеж пошлин справк " +
		"лиц орган регистраци предпринимател предприяти имуществ земл транспорт налог декларац обращени " +
		"портал подпис кабинет статус уведомлени центр оператор очеред рабоч дн счет банк карт сумм " +
		"закон стать требовани услови возраст адрес телефон почт ребенк родител семь образовани школ")
	ruEnds = []string{"", "а", "ы", "у", "ом", "е", "ов", "ам", "ами", "ах", "ие", "ия", "ей"}
	ruGlue = strings.Fields("и в на для по с о после до в течение все каждый новый который выдается требуется")
)

// Corpus returns n documents, the same for the same seed.
func Corpus(n int, seed uint64) []search.Document {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	docs := make([]search.Document, n)
	for i := range docs {
		topic := topics[r.IntN(len(topics))]
		action := actions[r.IntN(len(actions))]
		agency := agencies[r.IntN(len(agencies))]
		region := regions[r.IntN(len(regions))]
		docs[i] = search.Document{
			ID:         fmt.Sprintf("svc-%05d", i),
			Popularity: int(r.ExpFloat64() * 1000),
			Fields: []search.Field{
				{Text: topic.az + " " + action.az, Weight: 10},
				{Text: action.en + " " + topic.en, Weight: 10},
				{Text: action.ru + " " + topic.ru, Weight: 10},
				{Text: strings.Join([]string{topic.en, region, agency.az}, ", "), Weight: 6},
				{Text: agency.az + ", " + region + ". " + sentence(r, azStems, azEnds, azGlue, 5+r.IntN(6)), Weight: 3},
				{Text: agency.en + ". " + sentence(r, enWords, nil, enGlue, 5+r.IntN(6)), Weight: 3},
				{Text: agency.ru + ". " + sentence(r, ruStems, ruEnds, ruGlue, 5+r.IntN(6)), Weight: 3},
				{Text: sentence(r, azStems, azEnds, azGlue, 10+r.IntN(30)), Weight: 1},
				{Text: sentence(r, enWords, nil, enGlue, 10+r.IntN(30)), Weight: 1},
				{Text: sentence(r, ruStems, ruEnds, ruGlue, 10+r.IntN(30)), Weight: 1},
			},
		}
	}
	return docs
}

// sentence strings n words: content words skewed towards the frequent
// ones, inflected when ends are given, with function words between, and
// now and then a number (an article of law, a fee, a year).
func sentence(r *rand.Rand, words, ends, glue []string, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch k := r.IntN(10); {
		case k < 3:
			b.WriteString(glue[r.IntN(len(glue))])
		case k == 3:
			fmt.Fprintf(&b, "%d", r.IntN(2030))
		default:
			// Squaring skews the pick towards the start of the list.
			f := r.Float64()
			b.WriteString(words[int(f*f*float64(len(words)))])
			if ends != nil {
				b.WriteString(ends[r.IntN(len(ends))])
			}
		}
	}
	b.WriteByte('.')
	return b.String()
}

// Queries are what people type: whole names, words being typed, typos,
// each of the three languages, and a stray word.
var Queries = []string{
	"şəxsiyyət vəsiqəsi",
	"sexsiyyet vesiqesi",
	"şəxs",
	"identity card",
	"identty card",
	"удостоверение личности",
	"pasport",
	"passport",
	"заграничный пасп",
	"sürücülük vəs",
	"driving licnce",
	"doğum haqqında şəhadətnamə",
	"birth certificate",
	"свидетельство о рождении",
	"vergi bəyannaməsi",
	"tax declar",
	"налоговая декларация",
	"pensiya",
	"pension",
	"пенсия",
	"işsizlik müavinəti",
	"unemployment benefit",
	"справка о несудимости",
	"criminal record certificate",
	"məktəbə qəbul",
	"tikinti icazesi",
	"building permit extension",
	"xyzzy pasport",
	"ASAN xidmət Bakı",
	"v",
}
