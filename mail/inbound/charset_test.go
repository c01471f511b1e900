package inbound

import (
	"encoding/base64"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// TestCharsets builds one message per charset real mail uses, with the body,
// the RFC 2047 subject and the display name in that charset, and checks all
// three come out as the same UTF-8 text.
func TestCharsets(t *testing.T) {
	tests := []struct {
		charset string
		enc     encoding.Encoding
		name    string
		text    string
	}{
		{"ISO-8859-1", charmap.ISO8859_1, "José Núñez", "¿Dónde está mi pedido? Gracias, señor."},
		{"ISO-8859-2", charmap.ISO8859_2, "Łukasz Wójcik", "Zamówienie nie dotarło. Proszę o pomoc, dziękuję."},
		{"ISO-8859-15", charmap.ISO8859_15, "Françoise Œuvrard", "Le colis coûte 20 € de trop, merci de vérifier."},
		{"windows-1250", charmap.Windows1250, "Dušan Novák", "Objednávka nedorazila, prosím o kontrolu. Děkuji."},
		{"windows-1251", charmap.Windows1251, "Иван Петров", "Здравствуйте, мой заказ не пришёл. Спасибо."},
		{"windows-1252", charmap.Windows1252, "Jürgen Müller", "Die Rechnung über 49,90 € ist falsch – bitte prüfen."},
		{"KOI8-R", charmap.KOI8R, "Ольга Смирнова", "Добрый день, посылка повреждена. Что делать?"},
		// GB2312 text encoded with GBK (a superset), as senders do.
		{"GB2312", simplifiedchinese.GBK, "李华", "您好，请问退货地址是哪里？谢谢。"},
		{"GBK", simplifiedchinese.GBK, "王小明", "您好，我的订单还没有到。请帮忙查询，谢谢。"},
		{"Big5", traditionalchinese.Big5, "陳大文", "您好，我的訂單還沒有送到。請幫忙查詢，謝謝。"},
		{"Shift_JIS", japanese.ShiftJIS, "佐藤花子", "注文した商品がまだ届いていません。確認をお願いします。"},
		{"EUC-JP", japanese.EUCJP, "鈴木一郎", "商品が破損していました。交換をお願いします。"},
		{"ISO-2022-JP", japanese.ISO2022JP, "山田太郎", "お世話になっております。配送状況を教えてください。"},
		{"EUC-KR", korean.EUCKR, "김민수", "안녕하세요, 주문한 상품이 아직 도착하지 않았습니다."},
	}
	for _, tc := range tests {
		t.Run(tc.charset, func(t *testing.T) {
			enc := tc.enc.NewEncoder()
			name, err := enc.String(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			body, err := tc.enc.NewEncoder().String(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
			raw := "From: =?" + tc.charset + "?B?" + b64(name) + "?= <x@example.com>\r\n" +
				"Subject: =?" + tc.charset + "?B?" + b64(body) + "?=\r\n" +
				"MIME-Version: 1.0\r\n" +
				"Content-Type: text/plain; charset=" + tc.charset + "\r\n" +
				"Content-Transfer-Encoding: base64\r\n\r\n" + b64(body) + "\r\n"
			e, err := Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			if e.From.Name != tc.name {
				t.Errorf("From.Name = %q, want %q", e.From.Name, tc.name)
			}
			if e.Subject != tc.text {
				t.Errorf("Subject = %q, want %q", e.Subject, tc.text)
			}
			if e.Text != tc.text {
				t.Errorf("Text = %q, want %q", e.Text, tc.text)
			}
		})
	}
}
