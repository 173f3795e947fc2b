a = <<EOF
x
EOF
b = <<-T
  y
  T
c = [1, 0x1f, -2.5e3, true, "s\u00e9\n${x}"]
d = { e = 1, f = [] }
/* c */ // d
