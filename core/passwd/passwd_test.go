package passwd

import "testing"

func TestHashVerify(t *testing.T) {
	h, err := Hash("s3cret!")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := Verify(h, "s3cret!"); err != nil || !ok {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	if ok, _ := Verify(h, "s3cret"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := Hash("s3cret!")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if _, err := Verify("$argon2id$garbage", "x"); err == nil {
		t.Fatal("malformed hash not reported")
	}
}
