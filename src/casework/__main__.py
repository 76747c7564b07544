from casework.cli import main

main()
