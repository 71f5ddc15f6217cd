"""Fixed reference lists: provinces, regulators, affiliating universities, and the
national composition the synthetic demo register reproduces."""

from __future__ import annotations

PROVINCES: dict[str, str] = {
    "PB": "Punjab",
    "SD": "Sindh",
    "KP": "Khyber Pakhtunkhwa",
    "BA": "Balochistan",
    "IS": "Islamabad Capital Territory",
    "AJK": "Azad Jammu and Kashmir",
    "GB": "Gilgit-Baltistan",
}

REGULATORS: dict[str, str] = {
    "PMDC": "Pakistan Medical & Dental Council",
    "HEC": "Higher Education Commission",
}

# code: (name, province)
UNIVERSITIES: dict[str, tuple[str, str]] = {
    "UHS": ("University of Health Sciences, Lahore", "PB"),
    "KEMU": ("King Edward Medical University", "PB"),
    "DUHS": ("Dow University of Health Sciences", "SD"),
    "JSMU": ("Jinnah Sindh Medical University", "SD"),
    "LUMHS": ("Liaquat University of Medical & Health Sciences", "SD"),
    "KMU": ("Khyber Medical University", "KP"),
    "BUMHS": ("Bolan University of Medical & Health Sciences", "BA"),
    "SZABMU": ("Shaheed Zulfiqar Ali Bhutto Medical University", "IS"),
    "NUMS": ("National University of Medical Sciences", "IS"),
}

# Which university a synthetic college of each province is affiliated to, in rotation.
PROVINCE_UNIVERSITIES: dict[str, tuple[str, ...]] = {
    "PB": ("UHS", "UHS", "KEMU"),
    "SD": ("DUHS", "JSMU", "LUMHS"),
    "KP": ("KMU",),
    "BA": ("BUMHS",),
    "IS": ("SZABMU", "NUMS"),
    "AJK": ("UHS",),
    "GB": ("KMU",),
}

# (type, sector) -> colleges per province; totals 48 / 76 / 18 / 43 = 185.
COMPOSITION: dict[tuple[str, str], dict[str, int]] = {
    ("medical", "public"): {"PB": 20, "SD": 10, "KP": 10, "BA": 4, "IS": 1, "AJK": 3, "GB": 0},
    ("medical", "private"): {"PB": 40, "SD": 16, "KP": 12, "BA": 1, "IS": 4, "AJK": 2, "GB": 1},
    ("dental", "public"): {"PB": 7, "SD": 5, "KP": 4, "BA": 1, "IS": 1, "AJK": 0, "GB": 0},
    ("dental", "private"): {"PB": 20, "SD": 12, "KP": 8, "BA": 0, "IS": 2, "AJK": 1, "GB": 0},
}

CITIES: dict[str, tuple[str, ...]] = {
    "PB": ("Lahore", "Rawalpindi", "Faisalabad", "Multan", "Gujranwala", "Sialkot",
           "Bahawalpur", "Sargodha", "Sahiwal", "Dera Ghazi Khan"),
    "SD": ("Karachi", "Hyderabad", "Sukkur", "Larkana", "Nawabshah", "Mirpurkhas"),
    "KP": ("Peshawar", "Abbottabad", "Mardan", "Swat", "Kohat", "Dera Ismail Khan", "Bannu"),
    "BA": ("Quetta", "Turbat", "Loralai", "Khuzdar"),
    "IS": ("Islamabad",),
    "AJK": ("Muzaffarabad", "Mirpur", "Rawalakot"),
    "GB": ("Gilgit",),
}

INSTITUTION_TYPES = ("medical", "dental")
SECTORS = ("public", "private")
