
ð
usageæ
ãRà
&$
Current period: 1-30 June 2026
&J$

Events sent
593 of 1000
J
	
Seats
4 of 10
)J'

	API calls
12840 (no limit)
2
?"=
View usage report(https://app.example.com/usage/cus_demo_1