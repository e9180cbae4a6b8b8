
Æ
usage<º
·R´
&$
Current period: 1-30 June 2026
&J$

Events sent
962 of 1000
J
	
Seats

2 of 3
2
?"=
View usage report(https://app.example.com/usage/cus_demo_2