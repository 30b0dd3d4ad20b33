package forms_test

import (
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
)

// The form-engine table: every field type and rule with valid and invalid
// input, and the error message in three languages.

var (
	nameLabel  = text("Soyadı, adı", "Full name", "ФИО")
	sha        = strings.Repeat("ab", 32)
	sha2       = strings.Repeat("cd", 32)
	longText   = strings.Repeat("ə", 2001)
	longAddr   = strings.Repeat("a", 301)
	twentyOne  = func(v func(i int) string) []string { return manyValues(21, v) }
	childLabel = text("Uşaqların sayı", "Number of children", "Количество детей")
)

func options(values ...string) []forms.Option {
	var o []forms.Option
	for _, v := range values {
		o = append(o, forms.Option{Value: v, Label: text(v+" az", v+" en", v+" ru")})
	}
	return o
}

func manyValues(n int, v func(i int) string) []string {
	var out []string
	for i := range n {
		out = append(out, v(i))
	}
	return out
}

// one is a form of a single field called f.
func one(t testing.TB, f forms.Field) *forms.Schema {
	f.Name = "f"
	return mustParse(t, []forms.Field{f})
}

type tableCase struct {
	name       string
	schema     *forms.Schema
	answers    forms.Answers
	field      string // the field with the error; "f" when empty
	key        string // "" when the answers are valid
	az, en, ru string
}

func tableCases(t testing.TB) []tableCase {
	textF := one(t, forms.Field{Type: forms.Text, Label: nameLabel, Required: true, MinLength: 2, MaxLength: 5})
	plain := one(t, forms.Field{Type: forms.Text, Label: nameLabel})
	oneChar := one(t, forms.Field{Type: forms.Text, Label: text("Sinif", "Class", "Класс"), MaxLength: 1})
	fewChars := one(t, forms.Field{Type: forms.Text, Label: text("Sinif", "Class", "Класс"), MaxLength: 3})
	manyChars := one(t, forms.Field{Type: forms.Text, Label: text("Sinif", "Class", "Класс"), MaxLength: 21})
	iban := one(t, forms.Field{Type: forms.Text, Label: text("IBAN", "IBAN", "IBAN"), Pattern: `^AZ[0-9]{2}[A-Z]{4}[0-9A-Z]{20}$`})
	digits := one(t, forms.Field{Type: forms.Text, Label: text("Kod", "Code", "Код"), Pattern: `[0-9]+`})
	number := one(t, forms.Field{Type: forms.Number, Label: childLabel, Min: ptr(0), Max: ptr(20)})
	area := one(t, forms.Field{Type: forms.Number, Label: text("Sahə", "Area", "Площадь"), Min: ptr(0.1)})
	date := one(t, forms.Field{Type: forms.Date, Label: text("Doğum tarixi", "Date of birth", "Дата рождения")})
	choice := one(t, forms.Field{Type: forms.Choice, Label: text("Səbəb", "Reason", "Причина"), Options: options("first", "lost")})
	multi := one(t, forms.Field{Type: forms.MultipleChoice, Label: text("Dillər", "Languages", "Языки"),
		Options: options("az", "en", "ru", "tr"), Min: ptr(2), Max: ptr(3)})
	multi1 := one(t, forms.Field{Type: forms.MultipleChoice, Label: text("Dillər", "Languages", "Языки"),
		Options: options("az", "en"), Min: ptr(1)})
	many := one(t, forms.Field{Type: forms.MultipleChoice, Label: text("Dillər", "Languages", "Языки"),
		Options: options(manyValues(25, func(i int) string { return "l" + string(rune('a'+i)) })...)})
	yesNo := one(t, forms.Field{Type: forms.YesNo, Label: text("Xaricə?", "Abroad?", "За границу?")})
	file := one(t, forms.Field{Type: forms.File, Label: text("Məhkəmə qərarı", "Court decision", "Решение суда"), Required: true})
	fin := one(t, forms.Field{Type: forms.FIN, Label: text("FİN", "FIN", "ФИН")})
	voen := one(t, forms.Field{Type: forms.VOEN, Label: text("VÖEN", "VÖEN", "ИНН")})
	phone := one(t, forms.Field{Type: forms.Phone, Label: text("Telefon", "Phone", "Телефон")})
	email := one(t, forms.Field{Type: forms.Email, Label: text("E-poçt", "E-mail", "Эл. почта")})
	address := one(t, forms.Field{Type: forms.Address, Label: text("Ünvan", "Address", "Адрес")})
	plate := one(t, forms.Field{Type: forms.Plate, Label: text("Nömrə nişanı", "Number plate", "Госномер")})
	money := one(t, forms.Field{Type: forms.Money, Label: text("Məbləğ", "Amount", "Сумма"), Min: ptr(1), Max: ptr(10000)})
	cross := crossSchema(t)
	a := func(v ...string) forms.Answers { return forms.Answers{"f": v} }

	return []tableCase{
		// text
		{"text valid", textF, a("Əli"), "", "", "", "", ""},
		{"text counts runes, not bytes", textF, a("Əliyə"), "", "", "", "", ""},
		{"text required", textF, forms.Answers{}, "", "forms.error.required",
			"Soyadı, adı: bu suala cavab verin", "Full name: answer this question", "ФИО: ответьте на этот вопрос"},
		{"text blank is unanswered", textF, a("   "), "", "forms.error.required",
			"Soyadı, adı: bu suala cavab verin", "Full name: answer this question", "ФИО: ответьте на этот вопрос"},
		{"text too long", textF, a("Əliyevə"), "", "forms.error.max_length",
			"Soyadı, adı: ən çoxu 5 simvol daxil edin", "Full name: enter at most 5 characters", "ФИО: введите не более 5 символов"},
		{"text too short", textF, a("Ə"), "", "forms.error.min_length",
			"Soyadı, adı: ən azı 2 simvol daxil edin", "Full name: enter at least 2 characters", "ФИО: введите не менее 2 символов"},
		{"text max 1 (singular)", oneChar, a("ab"), "", "forms.error.max_length",
			"Sinif: ən çoxu 1 simvol daxil edin", "Class: enter at most 1 character", "Класс: введите не более 1 символа"},
		{"text max 3 (Russian few form)", fewChars, a("abcd"), "", "forms.error.max_length",
			"Sinif: ən çoxu 3 simvol daxil edin", "Class: enter at most 3 characters", "Класс: введите не более 3 символов"},
		{"text max 21 (Russian one form)", manyChars, a(strings.Repeat("x", 22)), "", "forms.error.max_length",
			"Sinif: ən çoxu 21 simvol daxil edin", "Class: enter at most 21 characters", "Класс: введите не более 21 символа"},
		{"text general limit", plain, a(longText), "", "forms.error.too_long",
			"Soyadı, adı: ən çoxu 2000 simvol daxil edin", "Full name: enter at most 2000 characters", "ФИО: введите не более 2000 символов"},
		{"text two values", plain, a("Əli", "Vəli"), "", "forms.error.too_many",
			"Soyadı, adı: yalnız bir cavab verin", "Full name: give only one answer", "ФИО: дайте не более 1 ответа"},
		{"text control character", plain, a("Əli\x00"), "", "forms.error.characters",
			"Soyadı, adı: istifadəsi mümkün olmayan xüsusi simvolları silin", "Full name: remove the special characters that cannot be used", "ФИО: удалите недопустимые служебные символы"},
		{"text broken UTF-8", plain, a("\xffƏli"), "", "forms.error.characters",
			"Soyadı, adı: istifadəsi mümkün olmayan xüsusi simvolları silin", "Full name: remove the special characters that cannot be used", "ФИО: удалите недопустимые служебные символы"},
		{"text line breaks allowed", plain, a("line one\r\nline\ttwo"), "", "", "", "", ""},
		{"pattern valid", iban, a("AZ21NABZ00000000137010001944"), "", "", "", "", ""},
		{"pattern invalid", iban, a("AZ21NABZ"), "", "forms.error.pattern",
			"IBAN: düzgün formatda daxil edin", "IBAN: enter it in the correct format", "IBAN: введите в правильном формате"},
		{"pattern matches the whole value", digits, a("12a"), "", "forms.error.pattern",
			"Kod: düzgün formatda daxil edin", "Code: enter it in the correct format", "Код: введите в правильном формате"},
		{"pattern unanchored valid", digits, a("123"), "", "", "", "", ""},

		// number
		{"number valid", number, a("3"), "", "", "", "", ""},
		{"number comma decimal", number, a("2,5"), "", "", "", "", ""},
		{"number not a number", number, a("three"), "", "forms.error.number",
			"Uşaqların sayı: ədəd daxil edin, məsələn 12 və ya 3,5", "Number of children: enter a number, for example 12 or 3.5", "Количество детей: введите число, например 12 или 3,5"},
		{"number exponent refused", number, a("1e1"), "", "forms.error.number",
			"Uşaqların sayı: ədəd daxil edin, məsələn 12 və ya 3,5", "Number of children: enter a number, for example 12 or 3.5", "Количество детей: введите число, например 12 или 3,5"},
		{"number NaN refused", number, a("NaN"), "", "forms.error.number",
			"Uşaqların sayı: ədəd daxil edin, məsələn 12 və ya 3,5", "Number of children: enter a number, for example 12 or 3.5", "Количество детей: введите число, например 12 или 3,5"},
		{"number below min", number, a("-1"), "", "forms.error.min",
			"Uşaqların sayı: 0 və ya daha çox olmalıdır", "Number of children: must be 0 or more", "Количество детей: значение должно быть не меньше 0"},
		{"number above max", number, a("21"), "", "forms.error.max",
			"Uşaqların sayı: 20 və ya daha az olmalıdır", "Number of children: must be 20 or less", "Количество детей: значение должно быть не больше 20"},
		{"number decimal limit", area, a("0"), "", "forms.error.min",
			"Sahə: 0,1 və ya daha çox olmalıdır", "Area: must be 0.1 or more", "Площадь: значение должно быть не меньше 0,1"},

		// date
		{"date ISO", date, a("1990-12-31"), "", "", "", "", ""},
		{"date local", date, a("31.12.1990"), "", "", "", "", ""},
		{"date short local", date, a("1.2.1990"), "", "", "", "", ""},
		{"date impossible", date, a("30.02.2020"), "", "forms.error.date",
			"Doğum tarixi: mövcud tarix daxil edin, məsələn 31.12.1990", "Date of birth: enter a real date, for example 31.12.1990", "Дата рождения: введите существующую дату, например 31.12.1990"},
		{"date month 13", date, a("2020-13-01"), "", "forms.error.date",
			"Doğum tarixi: mövcud tarix daxil edin, məsələn 31.12.1990", "Date of birth: enter a real date, for example 31.12.1990", "Дата рождения: введите существующую дату, например 31.12.1990"},
		{"date words", date, a("yesterday"), "", "forms.error.date",
			"Doğum tarixi: mövcud tarix daxil edin, məsələn 31.12.1990", "Date of birth: enter a real date, for example 31.12.1990", "Дата рождения: введите существующую дату, например 31.12.1990"},

		// choice
		{"choice valid", choice, a("lost"), "", "", "", "", ""},
		{"choice unknown", choice, a("stolen"), "", "forms.error.choice",
			"Səbəb: göstərilən variantlardan birini seçin", "Reason: choose one of the options shown", "Причина: выберите один из предложенных вариантов"},
		{"choice is case-sensitive", choice, a("LOST"), "", "forms.error.choice",
			"Səbəb: göstərilən variantlardan birini seçin", "Reason: choose one of the options shown", "Причина: выберите один из предложенных вариантов"},
		{"choice two values", choice, a("first", "lost"), "", "forms.error.too_many",
			"Səbəb: yalnız bir cavab verin", "Reason: give only one answer", "Причина: дайте не более 1 ответа"},

		// multiple choice
		{"multiple valid", multi, a("az", "en"), "", "", "", "", ""},
		{"multiple unknown", multi, a("az", "xx"), "", "forms.error.choice",
			"Dillər: göstərilən variantlardan birini seçin", "Languages: choose one of the options shown", "Языки: выберите один из предложенных вариантов"},
		{"multiple duplicate", multi, a("az", "az"), "", "forms.error.duplicate",
			"Dillər: təkrarlanan cavabı silin", "Languages: remove the repeated answer", "Языки: уберите повторяющийся ответ"},
		{"multiple too few", multi, a("az"), "", "forms.error.min_choices",
			"Dillər: ən azı 2 variant seçin", "Languages: choose at least 2 options", "Языки: выберите не менее 2 вариантов"},
		{"multiple optional and empty", multi1, forms.Answers{"f": {""}}, "", "", "", "", ""},
		{"multiple too many", multi, a("az", "en", "ru", "tr"), "", "forms.error.max_choices",
			"Dillər: ən çoxu 3 variant seçin", "Languages: choose at most 3 options", "Языки: выберите не более 3 вариантов"},
		{"multiple over the general limit", many, a(twentyOne(func(i int) string { return "l" + string(rune('a'+i)) })...), "", "forms.error.too_many",
			"Dillər: ən çoxu 20 cavab verin", "Languages: give at most 20 answers", "Языки: дайте не более 20 ответов"},

		// yes/no
		{"yes_no yes", yesNo, a("yes"), "", "", "", "", ""},
		{"yes_no Bəli", yesNo, a("Bəli"), "", "", "", "", ""},
		{"yes_no нет", yesNo, a("Нет"), "", "", "", "", ""},
		{"yes_no other", yesNo, a("maybe"), "", "forms.error.yes_no",
			"Xaricə?: «Bəli» və ya «Xeyr» seçin", "Abroad?: choose Yes or No", "За границу?: выберите «Да» или «Нет»"},

		// file
		{"file valid", file, a(sha, sha2), "", "", "", "", ""},
		{"file upper-case hash", file, a(strings.ToUpper(sha)), "", "", "", "", ""},
		{"file required", file, forms.Answers{}, "", "forms.error.required",
			"Məhkəmə qərarı: bu suala cavab verin", "Court decision: answer this question", "Решение суда: ответьте на этот вопрос"},
		{"file not an id", file, a("passport.pdf"), "", "forms.error.file",
			"Məhkəmə qərarı: fayl yüklənmədi, onu yenidən əlavə edin", "Court decision: the file did not upload, attach it again", "Решение суда: файл не загрузился, прикрепите его ещё раз"},
		{"file twice", file, a(sha, sha), "", "forms.error.duplicate",
			"Məhkəmə qərarı: təkrarlanan cavabı silin", "Court decision: remove the repeated answer", "Решение суда: уберите повторяющийся ответ"},

		// FIN
		{"fin valid", fin, a("5ZJ8K2L"), "", "", "", "", ""},
		{"fin lower case with spaces", fin, a("5zj 8k2l"), "", "", "", "", ""},
		{"fin short", fin, a("5ZJ8K2"), "", "forms.error.fin",
			"FİN: şəxsiyyət vəsiqəsindəki 7 simvollu FİN-i daxil edin", "FIN: enter the 7-character FIN shown on the identity card", "ФИН: введите ФИН из 7 символов, указанный в удостоверении личности"},
		{"fin with O", fin, a("5OJ8K2L"), "", "forms.error.fin",
			"FİN: şəxsiyyət vəsiqəsindəki 7 simvollu FİN-i daxil edin", "FIN: enter the 7-character FIN shown on the identity card", "ФИН: введите ФИН из 7 символов, указанный в удостоверении личности"},
		{"fin with I", fin, a("5IJ8K2L"), "", "forms.error.fin",
			"FİN: şəxsiyyət vəsiqəsindəki 7 simvollu FİN-i daxil edin", "FIN: enter the 7-character FIN shown on the identity card", "ФИН: введите ФИН из 7 символов, указанный в удостоверении личности"},

		// VÖEN
		{"voen legal person", voen, a("1234567891"), "", "", "", "", ""},
		{"voen physical person with spaces", voen, a("12345 67892"), "", "", "", "", ""},
		{"voen last digit", voen, a("1234567893"), "", "forms.error.voen",
			"VÖEN: 10 rəqəmli VÖEN daxil edin", "VÖEN: enter the 10-digit taxpayer number (VÖEN)", "ИНН: введите 10-значный налоговый номер (VÖEN)"},
		{"voen nine digits", voen, a("123456781"), "", "forms.error.voen",
			"VÖEN: 10 rəqəmli VÖEN daxil edin", "VÖEN: enter the 10-digit taxpayer number (VÖEN)", "ИНН: введите 10-значный налоговый номер (VÖEN)"},

		// phone
		{"phone local", phone, a("050 123 45 67"), "", "", "", "", ""},
		{"phone international", phone, a("+994 50 123 45 67"), "", "", "", "", ""},
		{"phone without plus", phone, a("994501234567"), "", "", "", "", ""},
		{"phone Baku landline", phone, a("(012) 555-12-34"), "", "", "", "", ""},
		{"phone unknown operator", phone, a("+994 40 123 45 67"), "", "forms.error.phone",
			"Telefon: Azərbaycan telefon nömrəsini daxil edin, məsələn 050 123 45 67", "Phone: enter a phone number in Azerbaijan, for example 050 123 45 67", "Телефон: введите азербайджанский номер телефона, например 050 123 45 67"},
		{"phone short", phone, a("050 123 45 6"), "", "forms.error.phone",
			"Telefon: Azərbaycan telefon nömrəsini daxil edin, məsələn 050 123 45 67", "Phone: enter a phone number in Azerbaijan, for example 050 123 45 67", "Телефон: введите азербайджанский номер телефона, например 050 123 45 67"},
		{"phone foreign", phone, a("+7 912 345 67 89"), "", "forms.error.phone",
			"Telefon: Azərbaycan telefon nömrəsini daxil edin, məsələn 050 123 45 67", "Phone: enter a phone number in Azerbaijan, for example 050 123 45 67", "Телефон: введите азербайджанский номер телефона, например 050 123 45 67"},

		// e-mail
		{"email valid", email, a("Ali@Mail.AZ"), "", "", "", "", ""},
		{"email without dot", email, a("ali@mail"), "", "forms.error.email",
			"E-poçt: e-poçt ünvanını düzgün formatda daxil edin, məsələn ad@example.com", "E-mail: enter an e-mail address in the correct format, like name@example.com", "Эл. почта: введите адрес электронной почты в правильном формате, например name@example.com"},
		{"email with a name", email, a("Ali <ali@mail.az>"), "", "forms.error.email",
			"E-poçt: e-poçt ünvanını düzgün formatda daxil edin, məsələn ad@example.com", "E-mail: enter an e-mail address in the correct format, like name@example.com", "Эл. почта: введите адрес электронной почты в правильном формате, например name@example.com"},
		{"email two addresses", email, a("a@b.az, c@d.az"), "", "forms.error.email",
			"E-poçt: e-poçt ünvanını düzgün formatda daxil edin, məsələn ad@example.com", "E-mail: enter an e-mail address in the correct format, like name@example.com", "Эл. почта: введите адрес электронной почты в правильном формате, например name@example.com"},

		// address
		{"address valid", address, a("Bakı, Nizami küç. 10"), "", "", "", "", ""},
		{"address too short", address, a("Bakı"), "", "forms.error.address",
			"Ünvan: tam ünvanı 5–300 simvol həcmində daxil edin", "Address: enter the full address, from 5 to 300 characters", "Адрес: введите полный адрес длиной от 5 до 300 символов"},
		{"address too long", address, a(longAddr), "", "forms.error.address",
			"Ünvan: tam ünvanı 5–300 simvol həcmində daxil edin", "Address: enter the full address, from 5 to 300 characters", "Адрес: введите полный адрес длиной от 5 до 300 символов"},

		// plate
		{"plate canonical", plate, a("10-AB-123"), "", "", "", "", ""},
		{"plate compact", plate, a("10AB123"), "", "", "", "", ""},
		{"plate spaced lower case", plate, a("10 ab 123"), "", "", "", "", ""},
		{"plate region 00", plate, a("00-AB-123"), "", "forms.error.plate",
			"Nömrə nişanı: dövlət qeydiyyat nişanını 10-AB-123 formatında daxil edin", "Number plate: enter the number plate in the format 10-AB-123", "Госномер: введите госномер в формате 10-AB-123"},
		{"plate three letters", plate, a("10-ABC-123"), "", "forms.error.plate",
			"Nömrə nişanı: dövlət qeydiyyat nişanını 10-AB-123 formatında daxil edin", "Number plate: enter the number plate in the format 10-AB-123", "Госномер: введите госномер в формате 10-AB-123"},

		// money
		{"money comma", money, a("12,50"), "", "", "", "", ""},
		{"money whole", money, a("12"), "", "", "", "", ""},
		{"money thousands", money, a("1 000,5"), "", "", "", "", ""},
		{"money three decimals", money, a("12.505"), "", "forms.error.money",
			"Məbləğ: məbləği manatla daxil edin, məsələn 12,50", "Amount: enter an amount in manat, for example 12.50", "Сумма: введите сумму в манатах, например 12,50"},
		{"money negative", money, a("-5"), "", "forms.error.money",
			"Məbləğ: məbləği manatla daxil edin, məsələn 12,50", "Amount: enter an amount in manat, for example 12.50", "Сумма: введите сумму в манатах, например 12,50"},
		{"money below min", money, a("0,50"), "", "forms.error.min",
			"Məbləğ: 1,00 AZN və ya daha çox olmalıdır", "Amount: must be 1.00 AZN or more", "Сумма: значение должно быть не меньше 1,00 AZN"},
		{"money above max", money, a("10000.01"), "", "forms.error.max",
			"Məbləğ: 10000,00 AZN və ya daha az olmalıdır", "Amount: must be 10000.00 AZN or less", "Сумма: значение должно быть не больше 10000,00 AZN"},

		// cross-field rules
		{"before valid", cross, forms.Answers{"start": {"01.01.2024"}, "end": {"2024-01-02"}, "home": {"0125551234"}}, "", "", "", "", ""},
		{"before same day", cross, forms.Answers{"start": {"2024-01-02"}, "end": {"02.01.2024"}}, "start", "forms.error.before",
			"Başlama tarixi: «Bitmə tarixi» tarixindən əvvəl olmalıdır", "Start date: must be earlier than “End date”", "Дата начала: дата должна быть раньше, чем «Дата окончания»"},
		{"not_after_today past", cross, forms.Answers{"birth": {"1990-01-01"}, "home": {"0125551234"}}, "", "", "", "", ""},
		{"not_after_today future", cross, forms.Answers{"birth": {"2999-01-01"}}, "birth", "forms.error.not_after_today",
			"Doğum tarixi: bu gün və ya keçmiş tarix olmalıdır", "Date of birth: must be today or in the past", "Дата рождения: дата не может быть позже сегодняшней"},
		{"equals_field same after normalising", cross, forms.Answers{"email": {"ali@mail.az"}, "email_again": {" ali@MAIL.az"}, "home": {"0125551234"}}, "", "", "", "", ""},
		{"equals_field different", cross, forms.Answers{"email": {"ali@mail.az"}, "email_again": {"ali@mail.com"}}, "email_again", "forms.error.equals_field",
			"E-poçtu təsdiqləyin: «E-poçt» ilə eyni olmalıdır", "Confirm e-mail: must be the same as “E-mail”", "Подтвердите e-mail: значение должно совпадать с полем «Эл. почта»"},
		{"required_one_of one given", cross, forms.Answers{"mobile": {"050 123 45 67"}}, "", "", "", "", ""},
		{"required_one_of none", cross, forms.Answers{"start": {"2024-01-01"}}, "home", "forms.error.required_one_of",
			"Bu suallardan ən azı birinə cavab verin: «Ev telefonu», «Mobil telefon»",
			"Answer at least one of these questions: “Home phone”, “Mobile phone”",
			"Ответьте хотя бы на один из этих вопросов: «Домашний телефон», «Мобильный телефон»"},
		{"custom message", cross, forms.Answers{"home": {"012 555 12 34"}, "kids": {"3"}, "adults": {"1"}}, "kids", "forms.error.custom",
			"Uşaqlar böyüklərdən çox ola bilməz", "There cannot be more children than adults", "Детей не может быть больше, чем взрослых"},
	}
}

// crossSchema has one pair of fields for every cross-field rule.
func crossSchema(t testing.TB) *forms.Schema {
	return mustParse(t, []forms.Field{
		{Name: "start", Type: forms.Date, Label: text("Başlama tarixi", "Start date", "Дата начала")},
		{Name: "end", Type: forms.Date, Label: text("Bitmə tarixi", "End date", "Дата окончания")},
		{Name: "birth", Type: forms.Date, Label: text("Doğum tarixi", "Date of birth", "Дата рождения")},
		{Name: "email", Type: forms.Email, Label: text("E-poçt", "E-mail", "Эл. почта")},
		{Name: "email_again", Type: forms.Email, Label: text("E-poçtu təsdiqləyin", "Confirm e-mail", "Подтвердите e-mail")},
		{Name: "home", Type: forms.Phone, Label: text("Ev telefonu", "Home phone", "Домашний телефон")},
		{Name: "mobile", Type: forms.Phone, Label: text("Mobil telefon", "Mobile phone", "Мобильный телефон")},
		{Name: "kids", Type: forms.Number, Label: text("Uşaqlar", "Children", "Дети")},
		{Name: "adults", Type: forms.Number, Label: text("Böyüklər", "Adults", "Взрослые")},
	},
		forms.Check{Rule: forms.RuleBefore, Field: "start", Other: "end"},
		forms.Check{Rule: forms.RuleNotAfterToday, Field: "birth"},
		forms.Check{Rule: forms.RuleEqualsField, Field: "email_again", Other: "email"},
		forms.Check{Rule: forms.RuleRequiredOneOf, Fields: []string{"home", "mobile"}},
		// The engine has no "not greater than" rule; a custom message on
		// equals_field stands in to show how a check's own text is used.
		forms.Check{Rule: forms.RuleEqualsField, Field: "kids", Other: "adults",
			Message: text("Uşaqlar böyüklərdən çox ola bilməz", "There cannot be more children than adults", "Детей не может быть больше, чем взрослых")},
	)
}

func TestTable(t *testing.T) {
	m := messages(t)
	for _, tc := range tableCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.schema.Validate(tc.answers)
			if tc.key == "" {
				if err != nil {
					t.Fatalf("Validate(%q) = %v, want nil", tc.answers, err)
				}
				return
			}
			field := tc.field
			if field == "" {
				field = "f"
			}
			e := errs.As(err)
			if err == nil || e.Kind != errs.Invalid {
				t.Fatalf("Validate(%q) = %v, want %s on %s", tc.answers, err, tc.key, field)
			}
			if got := e.Fields[field]; got != tc.key {
				t.Fatalf("Validate(%q) fields = %v, want %s on %s", tc.answers, e.Fields, tc.key, field)
			}
			args := e.FieldArgs[field]
			if _, ok := args["Label"].(lang.Text); !ok {
				t.Errorf("args %v have no Label", args)
			}
			for _, want := range []struct {
				l    lang.Lang
				text string
			}{{lang.AZ, tc.az}, {lang.EN, tc.en}, {lang.RU, tc.ru}} {
				if got := render(m, want.l, tc.key, args); got != want.text {
					t.Errorf("%s: %q, want %q", want.l, got, want.text)
				}
			}
		})
	}
}
